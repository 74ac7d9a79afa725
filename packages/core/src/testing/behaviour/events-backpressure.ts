import type { Subscription } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type EventStream,
  openPigeonhole,
  type Pigeonhole,
  type PigeonholeEvent,
} from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

/** Every stored event after `after`, read page by page from the table (not through a stream). */
async function storedAfter(ph: Pigeonhole, after: number): Promise<PigeonholeEvent[]> {
  const all: PigeonholeEvent[] = []
  for (let cursor = after; ; ) {
    const page = await ph.events.read({ after: cursor, limit: 1000 })
    all.push(...page.items)
    if (page.items.length < 1000) return all
    cursor = page.nextCursor
  }
}

/** Pulls `count` events from `stream`. */
async function take(stream: EventStream, count: number): Promise<PigeonholeEvent[]> {
  const got: PigeonholeEvent[] = []
  while (got.length < count) {
    const next = await stream.next()
    if (next.done) throw new Error(`the stream ended after ${got.length} of ${count} events`)
    got.push(next.value)
  }
  return got
}

const cursors = (events: readonly PigeonholeEvent[]) => events.map((e) => e.cursor)

export function describeEventsBackpressure(options: ConformanceOptions): void {
  describe('events: slow readers hold a bounded number of events and lose none', () => {
    const t = useEngine(options)
    let streams: EventStream[] = []
    let subscriptions: Subscription[] = []
    afterEach(async () => {
      for (const s of streams) await s.return()
      for (const s of subscriptions) s.unsubscribe()
      streams = []
      subscriptions = []
    })
    const open = (o?: { since?: number; highWaterMark?: number }) => {
      const stream = t.ph.events.stream(o)
      streams.push(stream)
      return stream
    }

    it('stream(): a reader that does not pull holds at most highWaterMark + one page, then gets every event in order', async () => {
      await register(t.ph, 'alice', 'bob')
      const start = t.ph.events.lastCursor
      const stream = open({ highWaterMark: 10 })
      // One event pulled: the stream has read the table and follows live events.
      await register(t.ph, 'carol')
      await take(stream, 1)
      let most = 0
      // 150 sends: 300 events, one commit at a time, none pulled.
      for (let i = 0; i < 150; i++) {
        await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })
        most = Math.max(most, stream.buffered)
      }
      // The queue filled up to the high-water mark, then the table took over: bounded by count.
      expect(most).toBe(10)
      const stored = await storedAfter(t.ph, start + 1)
      expect(stored).toHaveLength(300)
      const got = await take(stream, 300)
      expect(got).toEqual(stored)
      // Then live again: the next events come once each.
      await t.ph.messages.send({ from: 'bob', to: ['alice'], content: {} })
      const more = await take(stream, 2)
      expect(more).toEqual(await storedAfter(t.ph, stored.at(-1)!.cursor))
      expect(stream.buffered).toBe(0)
    })

    it('stream(): a reader slower than concurrent writers gets every event once, in cursor order', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const start = t.ph.events.lastCursor
      const stream = open({ since: start, highWaterMark: 5 })
      let most = 0
      const writers = Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          t.ph.messages.send({ from: i % 2 ? 'alice' : 'carol', to: ['bob'], content: { i } }),
        ),
      )
      const got: PigeonholeEvent[] = []
      for await (const event of stream) {
        got.push(event)
        most = Math.max(most, stream.buffered)
        // A slow reader: every event waits for a turn of the event loop.
        await new Promise((resolve) => setTimeout(resolve, 1))
        if (got.length === 120) break
      }
      await writers
      expect(most).toBeLessThanOrEqual(10)
      expect(got).toEqual(await storedAfter(t.ph, start))
      const c = cursors(got)
      expect(c.every((x, i) => i === 0 || x > c[i - 1]!)).toBe(true)
    })

    it('stream(): a reader that stops resumes from its last cursor with no gap and no duplicate', async () => {
      await register(t.ph, 'alice', 'bob')
      const start = t.ph.events.lastCursor
      await t.ph.messages.sendMany(
        Array.from({ length: 50 }, (_, i) => ({
          identifier: `m${i}`,
          from: 'alice',
          to: ['bob'],
          content: { i },
        })),
      )
      const first = open({ since: start, highWaterMark: 8 })
      const handled = await take(first, 37)
      await first.return()
      expect(await first.next()).toEqual({ done: true, value: undefined })
      await t.ph.messages.send({ from: 'bob', to: ['alice'], content: {} })
      const rest = open({ since: handled.at(-1)!.cursor, highWaterMark: 8 })
      const stored = await storedAfter(t.ph, start)
      expect(stored).toHaveLength(102)
      const resumed = await take(rest, stored.length - 37)
      expect([...handled, ...resumed]).toEqual(stored)
    })

    it('stream(): by default only what comes next; bad options are invalid_input', async () => {
      await register(t.ph, 'alice')
      const next = open()
      await register(t.ph, 'bob')
      const [event] = await take(next, 1)
      expect(event).toMatchObject({ type: 'account.registered', owner: 'bob' })
      await expectError(() => t.ph.events.stream({ highWaterMark: 0 }), 'invalid_input', {
        field: 'highWaterMark',
      })
      await expectError(() => t.ph.events.stream({ since: -1 }), 'invalid_input', {
        field: 'since',
      })
      await expectError(() => t.ph.events.stream({ after: 1 } as never), 'invalid_input')
      const past = t.ph.events.lastCursor + 1
      await expectError(open({ since: past }).next(), 'invalid_input', {
        message: new RegExp(
          `events.stream: since: expected a cursor up to ${past - 1} .*got ${past}`,
        ),
        field: 'since',
      })
    })

    it('stream(): ends (done) when the engine closes; a closed engine refuses a new one', async () => {
      const ph = await openPigeonhole({ store: await options.openStore() })
      try {
        const stream = ph.events.stream()
        const waiting = stream.next()
        await ph.accounts.register({ address: 'alice' })
        expect((await waiting).value).toMatchObject({ type: 'account.registered' })
        const pending = stream.next()
        await ph.close()
        expect(await pending).toEqual({ done: true, value: undefined })
        await expectError(() => ph.events.stream(), 'closed')
      } finally {
        await ph.close()
      }
    })

    it('since(): a subscriber that falls more than 1000 events behind still gets every event once, in order', async () => {
      await register(t.ph, 'alice', 'bob')
      const start = t.ph.events.lastCursor
      const got: PigeonholeEvent[] = []
      subscriptions.push(t.ph.events.since(start).subscribe((e) => got.push(e)))
      // One commit of 2,000 events: more than the 1,000 a since() subscriber holds.
      const sent = await t.ph.messages.sendMany(
        Array.from({ length: 1000 }, (_, i) => ({
          identifier: `m${i}`,
          from: 'alice',
          to: ['bob'],
          content: { i },
        })),
      )
      expect(sent.created).toBe(1000)
      await t.ph.messages.send({ from: 'bob', to: ['alice'], content: {} })
      const last = t.ph.events.lastCursor
      await expect.poll(() => got.at(-1)?.cursor, { timeout: 10_000 }).toBe(last)
      expect(got).toEqual(await storedAfter(t.ph, start))
    })
  })
}
