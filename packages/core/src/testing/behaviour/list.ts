import { describe, expect, it } from 'vitest'
import type { BoxItem, ListInput, Page, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

/** Sends `n` messages alice → bob, one clock tick apart; returns their ids, oldest first. */
async function sendSeries(t: { ph: Pigeonhole; clock: { tick(): number } }, n: number) {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    t.clock.tick()
    ids.push((await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })).id)
  }
  return ids
}

const idsOf = (page: Page<BoxItem>) => page.items.map((i) => i.message.id)

/** Follows nextCursor to the end; returns the pages. */
async function walkForward(ph: Pigeonhole, input: ListInput): Promise<Page<BoxItem>[]> {
  const pages = [await ph.messages.list(input)]
  while (pages.at(-1)!.nextCursor) {
    pages.push(await ph.messages.list({ ...input, cursor: pages.at(-1)!.nextCursor! }))
  }
  return pages
}

export function describeList(options: ConformanceOptions): void {
  describe('messages.list (keyset cursor)', () => {
    const t = useEngine(options)

    for (const order of ['newest', 'oldest'] as const) {
      it(`pages ${order} first with nextCursor, and back again with prevCursor`, async () => {
        await register(t.ph, 'alice', 'bob')
        const sent = await sendSeries(t, 12)
        const expected = order === 'newest' ? [...sent].reverse() : sent
        const input = { owner: 'bob', box: 'inbox', limit: 5, order } as const
        const pages = await walkForward(t.ph, input)
        expect(pages.map(idsOf)).toEqual([
          expected.slice(0, 5),
          expected.slice(5, 10),
          expected.slice(10),
        ])
        expect(pages[0]!.prevCursor).toBeNull()
        expect(pages[1]!.prevCursor).not.toBeNull()
        expect(pages[2]!.nextCursor).toBeNull()

        const back1 = await t.ph.messages.list({ ...input, cursor: pages[2]!.prevCursor! })
        expect(idsOf(back1)).toEqual(expected.slice(5, 10))
        expect(back1.nextCursor).not.toBeNull()
        const back0 = await t.ph.messages.list({ ...input, cursor: back1.prevCursor! })
        expect(idsOf(back0)).toEqual(expected.slice(0, 5))
        expect(back0.prevCursor).toBeNull()
        const again = await t.ph.messages.list({ ...input, cursor: back0.nextCursor! })
        expect(idsOf(again)).toEqual(expected.slice(5, 10))
      })
    }

    it('newest first is the default order; the default page is 50', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await sendSeries(t, 55)
      const page = await t.ph.messages.list({ owner: 'bob' })
      expect(idsOf(page)).toEqual([...sent].reverse().slice(0, 50))
      expect(page.nextCursor).not.toBeNull()
    })

    it('a cursor stays valid while new messages arrive: no repeat, no skip', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await sendSeries(t, 6)
      const first = await t.ph.messages.list({ owner: 'bob', limit: 3 })
      await sendSeries(t, 4)
      const second = await t.ph.messages.list({ owner: 'bob', limit: 3, cursor: first.nextCursor! })
      expect(idsOf(second)).toEqual([sent[2], sent[1], sent[0]])
      expect(second.nextCursor).toBeNull()
    })

    it('entries created in the same millisecond keep a total order', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent: string[] = []
      for (let i = 0; i < 7; i++) {
        sent.push((await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })).id)
      }
      const pages = await walkForward(t.ph, { owner: 'bob', limit: 2, order: 'oldest' })
      expect(pages.flatMap(idsOf).sort()).toEqual([...sent].sort())
      expect(new Set(pages.flatMap(idsOf)).size).toBe(7)
    })

    it('filters by box, unread, threadId, from, content @type and createdAt range', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const thread = await t.ph.threads.create({
        subject: 'Plans',
        participants: ['alice', 'bob'],
      })
      const at: number[] = []
      const send = async (from: string, content: Record<string, string>, threadId?: string) => {
        at.push(t.clock.tick(10))
        const m = await t.ph.messages.send({ from, to: ['bob'], content, threadId })
        return m.id
      }
      const a1 = await send('alice', { '@type': 'Invoice', n: '1' })
      const c1 = await send('carol', { '@type': 'Note' })
      const a2 = await send('alice', { text: 'in thread' }, thread.id)
      const c2 = await send('carol', { '@type': 'Invoice', n: '2' })
      const a3 = await send('alice', { text: 'plain' })
      await t.ph.messages.markRead({ owner: 'bob', ids: [c1, a3] })
      await t.ph.messages.move({ owner: 'bob', ids: [a1], to: 'archive' })
      const own = await t.ph.messages.send({ from: 'bob', to: ['carol'], content: { x: '1' } })

      const ids = async (filter: Omit<ListInput, 'owner'>) =>
        idsOf(await t.ph.messages.list({ owner: 'bob', order: 'oldest', ...filter }))
      expect(await ids({})).toEqual([a1, c1, a2, c2, a3, own.id])
      expect(await ids({ box: 'inbox' })).toEqual([c1, a2, c2, a3])
      expect(await ids({ box: 'archive' })).toEqual([a1])
      expect(await ids({ box: 'sent' })).toEqual([own.id])
      expect(await ids({ unread: true })).toEqual([a1, a2, c2])
      expect(await ids({ unread: false })).toEqual([c1, a3, own.id])
      expect(await ids({ threadId: thread.id })).toEqual([a2])
      expect(await ids({ from: 'alice' })).toEqual([a1, a2, a3])
      expect(await ids({ from: 'carol@local' })).toEqual([c1, c2])
      expect(await ids({ type: 'Invoice' })).toEqual([a1, c2])
      expect(await ids({ type: 'Note' })).toEqual([c1])
      expect(await ids({ createdAfter: at[1] })).toEqual([c1, a2, c2, a3, own.id])
      expect(await ids({ createdBefore: at[3] })).toEqual([a1, c1, a2])
      expect(await ids({ createdAfter: at[1], createdBefore: at[3] })).toEqual([c1, a2])
      expect(await ids({ box: 'inbox', unread: true, from: 'carol', type: 'Invoice' })).toEqual([
        c2,
      ])
      expect(await ids({ from: 'nobody' })).toEqual([])

      // Filters hold across pages, both ways.
      const pages = await walkForward(t.ph, { owner: 'bob', from: 'alice', limit: 1 })
      expect(pages.flatMap(idsOf)).toEqual([a3, a2, a1])
      const back = await t.ph.messages.list({
        owner: 'bob',
        from: 'alice',
        limit: 1,
        cursor: pages[2]!.prevCursor!,
      })
      expect(idsOf(back)).toEqual([a2])
    })

    it('refuses a cursor made for the other order, a malformed cursor and unknown boxes', async () => {
      await register(t.ph, 'alice', 'bob')
      await sendSeries(t, 3)
      const page = await t.ph.messages.list({ owner: 'bob', limit: 1 })
      await expectError(
        t.ph.messages.list({ owner: 'bob', order: 'oldest', cursor: page.nextCursor! }),
        'invalid_input',
        { message: /order: expected "newest".*got "oldest"/, field: 'order' },
      )
      for (const cursor of ['garbage', page.nextCursor!.slice(0, -3), 'W10', 'x'.repeat(3000)]) {
        await expectError(t.ph.messages.list({ owner: 'bob', cursor }), 'invalid_input', {
          message: /cursor: expected .+, got .+/,
          field: 'cursor',
        })
      }
      await expectError(t.ph.messages.list({ owner: 'bob', box: 'archive' }), 'invalid_input', {
        message: /box: expected one of "inbox", "sent" .*got "archive"/,
        field: 'box',
      })
      await expectError(t.ph.messages.list({ owner: 'nobody' }), 'not_found', {
        message: /no account "nobody"/,
      })
    })

    it('checks the owner, then the box, then the cursor, whatever the page holds', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      await sendSeries(t, 3)
      const cursor = (await t.ph.messages.list({ owner: 'bob', limit: 1 })).nextCursor!
      // An unknown owner or box is reported before a cursor that is not theirs, or garbage.
      for (const bad of [cursor, 'garbage']) {
        await expectError(t.ph.messages.list({ owner: 'nobody', cursor: bad }), 'not_found', {
          message: /^messages\.list: owner: no account "nobody"$/,
          field: 'owner',
        })
        await expectError(
          t.ph.messages.list({ owner: 'bob', box: 'archive', cursor: bad }),
          'invalid_input',
          { message: /box: expected one of "inbox", "sent" .*got "archive"/, field: 'box' },
        )
      }
      await expectError(
        t.ph.messages.list({ owner: 'bob', order: 'oldest', cursor, box: 'later' }),
        'invalid_input',
        { field: 'box' },
      )
      // An owner with nothing (and a custom box emptied again) still lists an empty page.
      expect(await t.ph.messages.list({ owner: 'carol' })).toEqual({
        items: [],
        nextCursor: null,
        prevCursor: null,
      })
      const [id] = idsOf(await t.ph.messages.list({ owner: 'bob', limit: 1 }))
      await t.ph.messages.move({ owner: 'bob', ids: [id!], to: 'later' })
      await t.ph.messages.move({ owner: 'bob', ids: [id!], to: 'inbox' })
      expect((await t.ph.messages.list({ owner: 'bob', box: 'later' })).items).toEqual([])
      expect((await t.ph.messages.list({ owner: 'Bob@local', box: 'inbox' })).items).toHaveLength(3)
    })
  })
}
