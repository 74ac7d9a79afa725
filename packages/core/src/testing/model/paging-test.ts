import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BoxItem, Page } from '../../types.js'
import type { ConformanceOptions } from '../options.js'
import { EngineUnderTest } from './engine-under-test.js'
import { type Change, type EntryKey, type Kind, keyOf, Mailbox, sortKeys } from './mailbox.js'

type Order = 'newest' | 'oldest'

const kind = fc.constantFrom<Kind>('in', 'self', 'out')
/** Batches share a createdAt, so ties are broken by message id and role. */
const batch = fc.array(kind, { minLength: 1, maxLength: 3 })
const change: fc.Arbitrary<Change> = fc.record({
  arrive: fc.array(kind, { maxLength: 2 }),
  deletes: fc.array(fc.record({ pick: fc.nat(), oneBox: fc.boolean() }), { maxLength: 2 }),
})
const scenario = fc.record({
  initial: fc.array(batch, { maxLength: 8 }),
  limit: fc.integer({ min: 1, max: 4 }),
  /** What happens between pages: the first gap gets changes[0], and so on. */
  changes: fc.array(change, { maxLength: 12 }),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

/** Guards against a cursor that never ends. */
const maxPages = 500

/**
 * Walks alice's messages (all boxes) with the keyset cursor while, between pages, messages
 * arrive and others are deleted. Returns what the walk saw, and the entries present when it
 * started and when it ended.
 */
async function walkWhileChanging(
  options: ConformanceOptions,
  s: Scenario,
  order: Order,
  backwards: boolean,
): Promise<{ seen: BoxItem[]; start: EntryKey[]; end: EntryKey[] }> {
  const engine = await EngineUnderTest.open(options)
  try {
    const mailbox = await Mailbox.open(engine.ph)
    for (const kinds of s.initial) await mailbox.send(kinds)
    const list = (cursor?: string): Promise<Page<BoxItem>> =>
      engine.ph.messages.list({ owner: 'alice', order, limit: s.limit, cursor })
    let page = await list()
    if (backwards) {
      // Reach the last page first, with nothing changing; the walk back starts there.
      for (let n = 0; page.nextCursor !== null; n++) {
        if (n > maxPages) throw new Error('nextCursor never ended')
        page = await list(page.nextCursor)
      }
    }
    const start = mailbox.keys()
    const seen = [...page.items]
    let gap = 0
    for (let cursor = backwards ? page.prevCursor : page.nextCursor; cursor !== null; gap++) {
      if (gap > maxPages) throw new Error('the cursor never ended')
      const next = s.changes[gap]
      if (next) await mailbox.apply(next)
      page = await list(cursor)
      if (backwards) seen.unshift(...page.items)
      else seen.push(...page.items)
      cursor = backwards ? page.prevCursor : page.nextCursor
    }
    return { seen, start, end: mailbox.keys() }
  } finally {
    await engine.close()
  }
}

/** No repeat; in order throughout; every entry there at the start and at the end exactly once. */
function expectNoRepeatNoGap(
  result: { seen: BoxItem[]; start: EntryKey[]; end: EntryKey[] },
  order: Order,
): void {
  const seen = result.seen.map((item) => keyOf(item.entry))
  const ids = seen.map((k) => `${k.messageId}/${k.role}`)
  expect(new Set(ids).size, `no repeats in ${ids.join(', ')}`).toBe(ids.length)
  expect(seen, 'the walk is in order').toEqual(sortKeys(seen, order))
  const stayed = new Set(result.end.map((k) => `${k.messageId}/${k.role}`))
  const survivors = sortKeys(
    result.start.filter((k) => stayed.has(`${k.messageId}/${k.role}`)),
    order,
  )
  const wanted = new Set(survivors.map((k) => `${k.messageId}/${k.role}`))
  expect(
    seen.filter((k) => wanted.has(`${k.messageId}/${k.role}`)),
    'every entry present from start to end, once, in order',
  ).toEqual(survivors)
}

export function describePaging(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('paging', () => {
    for (const order of ['newest', 'oldest'] as const) {
      it(`nextCursor, ${order} first, while messages arrive and go: no repeat, no gap`, async () => {
        await fc.assert(
          fc.asyncProperty(scenario, async (s) => {
            expectNoRepeatNoGap(await walkWhileChanging(options, s, order, false), order)
          }),
          { numRuns: options.fuzzRuns },
        )
      })

      it(`prevCursor back from the last page, ${order} order, while messages arrive and go: no repeat, no gap`, async () => {
        await fc.assert(
          fc.asyncProperty(scenario, async (s) => {
            expectNoRepeatNoGap(await walkWhileChanging(options, s, order, true), order)
          }),
          { numRuns: options.fuzzRuns },
        )
      })
    }

    it('listPage (page numbers) repeats an item when one arrives between pages; the cursor does not', async () => {
      const engine = await EngineUnderTest.open(options)
      try {
        const mailbox = await Mailbox.open(engine.ph)
        for (let i = 0; i < 5; i++) await mailbox.send(['in'])
        const ph = engine.ph
        const byPage = (page: number) =>
          ph.messages.listPage({ owner: 'alice', box: 'inbox', page, pageSize: 2 })
        const first = await byPage(1)
        await mailbox.send(['in'])
        const second = await byPage(2)
        // The arrival pushed everything down one place: page 2 starts with page 1's last item.
        expect(second.items[0]!.message.id).toBe(first.items[1]!.message.id)

        const ids = (page: { items: BoxItem[] }) => page.items.map((i) => i.message.id)
        const before = ids(await ph.messages.list({ owner: 'alice', box: 'inbox', limit: 4 }))
        const byCursor = await ph.messages.list({ owner: 'alice', box: 'inbox', limit: 2 })
        await mailbox.send(['in'])
        const next = await ph.messages.list({
          owner: 'alice',
          box: 'inbox',
          limit: 2,
          cursor: byCursor.nextCursor!,
        })
        expect([...ids(byCursor), ...ids(next)]).toEqual(before)
      } finally {
        await engine.close()
      }
    })
  })
}
