import { describe, expect, it } from 'vitest'
import type { LocalRequest } from '../../requests/types.js'
import { useEngine } from '../behaviour/harness.js'
import { expectError, register } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { draft, item, openRequest } from './fixtures.js'

export function describeRequestList(options: ConformanceOptions): void {
  describe('requests.list', () => {
    const t = useEngine(options)

    /** Five requests of alice's, each made after the one before. */
    async function five() {
      await register(t.ph, 'alice', 'bob', 'carol')
      t.clock.tick()
      const r1 = await draft(t.ph, [item.auth()])
      t.clock.tick()
      const r2 = await openRequest(t.ph, [item.auth()])
      t.clock.tick()
      const r3 = await openRequest(t.ph, [item.auth()], { peer: 'carol' })
      t.clock.tick()
      const r4 = await openRequest(t.ph, [item.auth()], { owner: 'bob', peer: 'alice' })
      t.clock.tick()
      const r5 = await openRequest(t.ph, [item.auth()])
      t.clock.tick()
      await t.ph.requests.accept({ owner: 'bob', id: r5.draft.id, items: [{ accept: true }] })
      return {
        r1: r1.id,
        r2: r2.draft.id,
        r3: r3.draft.id,
        r4: r4.draft.id,
        r5: r5.draft.id,
        m: {
          r2: r2.message.id,
          r3: r3.message.id,
          r4: r4.message.id,
        },
      }
    }

    const ids = (page: { items: LocalRequest[] }) => page.items.map((r) => r.id)

    it('filters by direction, status (one or several), peer and source message', async () => {
      const { r1, r2, r3, r4, r5, m } = await five()
      const list = (more: object = {}) => t.ph.requests.list({ owner: 'alice', ...more })
      expect(ids(await list())).toEqual([r5, r4, r3, r2, r1])
      const all = await list()
      expect(all.items.map((r) => [r.direction, r.status])).toEqual([
        ['outgoing', 'Completed'],
        ['incoming', 'ManualDecisionRequired'],
        ['outgoing', 'Open'],
        ['outgoing', 'Open'],
        ['outgoing', 'Draft'],
      ])
      expect(all.nextCursor).toBeNull()
      // Each item is what get answers.
      for (const r of all.items) {
        expect(
          await t.ph.requests.get({ owner: 'alice', id: r.id, direction: r.direction }),
        ).toEqual(r)
      }
      expect(ids(await list({ direction: 'outgoing' }))).toEqual([r5, r3, r2, r1])
      expect(ids(await list({ direction: 'incoming' }))).toEqual([r4])
      expect(ids(await list({ status: 'Open' }))).toEqual([r3, r2])
      expect(ids(await list({ status: ['Draft', 'Completed'] }))).toEqual([r5, r1])
      expect(ids(await list({ status: ['Expired'] }))).toEqual([])
      expect(ids(await list({ peer: 'carol' }))).toEqual([r3])
      expect(ids(await list({ peer: 'bob' }))).toEqual([r5, r4, r2, r1])
      expect(ids(await list({ peer: 'bob', direction: 'incoming' }))).toEqual([r4])
      expect(ids(await list({ sourceMessageId: m.r3 }))).toEqual([r3])
      expect(ids(await list({ sourceMessageId: m.r4 }))).toEqual([r4])
      expect(ids(await list({ sourceMessageId: 'msg_none' }))).toEqual([])
      // Bob's side of the same requests.
      const bobs = (more: object) => t.ph.requests.list({ owner: 'bob', ...more })
      expect(ids(await bobs({}))).toEqual([r5, r4, r2])
      expect(ids(await bobs({ direction: 'incoming', status: 'ManualDecisionRequired' }))).toEqual([
        r2,
      ])
      expect(ids(await bobs({ sourceMessageId: m.r2 }))).toEqual([r2])
      expect(ids(await t.ph.requests.list({ owner: 'carol' }))).toEqual([r3])
    })

    it('pages newest first with limit and nextCursor, no repeats', async () => {
      const { r1, r2, r3, r4, r5 } = await five()
      const first = await t.ph.requests.list({ owner: 'alice', limit: 2 })
      expect(ids(first)).toEqual([r5, r4])
      const second = await t.ph.requests.list({
        owner: 'alice',
        limit: 2,
        cursor: first.nextCursor!,
      })
      expect(ids(second)).toEqual([r3, r2])
      const third = await t.ph.requests.list({
        owner: 'alice',
        limit: 2,
        cursor: second.nextCursor!,
      })
      expect(ids(third)).toEqual([r1])
      expect(third.nextCursor).toBeNull()
      // A filtered walk.
      const out1 = await t.ph.requests.list({ owner: 'alice', direction: 'outgoing', limit: 3 })
      expect(ids(out1)).toEqual([r5, r3, r2])
      const out2 = await t.ph.requests.list({
        owner: 'alice',
        direction: 'outgoing',
        limit: 3,
        cursor: out1.nextCursor!,
      })
      expect(ids(out2)).toEqual([r1])
      expect(out2.nextCursor).toBeNull()
    })

    it('prevCursor leads back to the page before (null on the first page)', async () => {
      const { r3, r4, r5 } = await five()
      const first = await t.ph.requests.list({ owner: 'alice', limit: 2 })
      expect(first.prevCursor).toBeNull()
      const second = await t.ph.requests.list({
        owner: 'alice',
        limit: 2,
        cursor: first.nextCursor!,
      })
      expect(ids(second)[0]).toBe(r3)
      // Page (types.ts): "Pass as cursor to get the page before this one; null at the start".
      expect(second.prevCursor).toEqual(expect.any(String))
      const back = await t.ph.requests.list({
        owner: 'alice',
        limit: 2,
        cursor: second.prevCursor!,
      })
      expect(ids(back)).toEqual([r5, r4])
    })

    it('requests made at the same instant page without repeats or gaps', async () => {
      await register(t.ph, 'alice', 'bob')
      const made: string[] = []
      for (let i = 0; i < 7; i++) made.push((await draft(t.ph, [item.auth()])).id)
      const seen: string[] = []
      let cursor: string | undefined
      for (let pages = 0; pages < 10; pages++) {
        const page = await t.ph.requests.list({
          owner: 'alice',
          limit: 3,
          ...(cursor !== undefined && { cursor }),
        })
        expect(page.items.length).toBeLessThanOrEqual(3)
        seen.push(...ids(page))
        if (page.nextCursor === null) break
        cursor = page.nextCursor
      }
      expect(seen).toHaveLength(7)
      expect(new Set(seen)).toEqual(new Set(made))
      // Same order as one page.
      expect(seen).toEqual(ids(await t.ph.requests.list({ owner: 'alice' })))
    })

    it('a cursor from another filter or owner is invalid_input', async () => {
      await five()
      const page = await t.ph.requests.list({ owner: 'alice', limit: 1 })
      const cursor = page.nextCursor!
      expect(cursor).toEqual(expect.any(String))
      for (const other of [
        { owner: 'alice', direction: 'outgoing' as const },
        { owner: 'alice', status: 'Open' as const },
        { owner: 'alice', peer: 'bob' },
        { owner: 'bob' },
      ]) {
        await expectError(
          () => t.ph.requests.list({ ...other, limit: 1, cursor }),
          'invalid_input',
          { field: 'cursor' },
        )
      }
      await expectError(
        () => t.ph.requests.list({ owner: 'alice', cursor: 'not-a-cursor' }),
        'invalid_input',
        { field: 'cursor' },
      )
      await expectError(
        () => t.ph.requests.list({ owner: 'alice', status: [] } as never),
        'invalid_input',
        { field: 'status' },
      )
    })
  })
}
