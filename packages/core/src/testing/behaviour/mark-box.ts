import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsAfter, register } from './helpers.js'

/** Whole-box markRead/markUnread: bounded work, whatever runs at the same time. */
export function describeMarkBox(options: ConformanceOptions): void {
  describe('messages.markRead and markUnread of a whole box', () => {
    const size = 7
    const t = useEngine(options, { limits: { markChunkSize: size } })

    /** `n` messages from alice to bob, oldest first; sendMany keeps it to a few transactions. */
    async function sendToBob(n: number): Promise<string[]> {
      const ids: string[] = []
      for (let start = 0; start < n; start += 1000) {
        const count = Math.min(1000, n - start)
        const items = Array.from({ length: count }, (_, i) => ({
          identifier: String(start + i),
          from: 'alice',
          to: ['bob'],
          content: { i: start + i },
        }))
        const result = await t.ph.messages.sendMany(items)
        ids.push(...result.items.map((item) => item.message!.id))
      }
      return ids
    }

    async function unreadIds(): Promise<string[]> {
      const page = await t.ph.messages.list({
        owner: 'bob',
        box: 'inbox',
        unread: true,
        limit: 1000,
      })
      return page.items.map((i) => i.entry.messageId)
    }

    it('a markRead racing a markUnread on the same box: both end, each after one pass', async () => {
      await register(t.ph, 'alice', 'bob')
      const n = 40
      await sendToBob(n)
      const before = t.ph.events.lastCursor
      // Neither awaited before the other starts: they flip each other's entries.
      const [read, unread] = await Promise.all([
        t.ph.messages.markRead({ owner: 'bob', box: 'inbox' }),
        t.ph.messages.markUnread({ owner: 'bob', box: 'inbox' }),
      ])
      // Each walks the entries it found at its start once: at most one change per entry.
      expect(read.changed).toBeLessThanOrEqual(n)
      expect(unread.changed).toBeLessThanOrEqual(n)
      // One event per chunk, listing what it changed: the listings add up to the changes.
      const events = await eventsAfter(t.ph, before)
      const listed = (type: string) =>
        events.filter((e) => e.type === type).reduce((n, e) => n + Number(e.data.count), 0)
      expect(listed('box.markedRead')).toBe(read.changed)
      expect(listed('box.markedUnread')).toBe(unread.changed)
      expect(events.every((e) => (e.data.marked as unknown[]).length === e.data.count)).toBe(true)
      const left = await unreadIds()
      expect(left).toHaveLength(n - read.changed + unread.changed)
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: n, unread: left.length })
      expect(await t.ph.verify()).toEqual([])
    })

    it('entries marked by id meanwhile neither stop it early nor hide the ones ahead', async () => {
      await register(t.ph, 'alice', 'bob')
      const ids = await sendToBob(3 * size)
      let side: Promise<number> | undefined
      // Once its first chunk is in: read all of the next chunk by id, and unread one behind.
      const subscription = t.ph.events$.subscribe((e) => {
        if (side || e.type !== 'box.markedRead') return
        side = Promise.all([
          t.ph.messages.markRead({ owner: 'bob', ids: ids.slice(size, 2 * size) }),
          t.ph.messages.markUnread({ owner: 'bob', ids: [ids[0]!] }),
        ]).then(([r, u]) => r.changed + u.changed)
      })
      try {
        const whole = await t.ph.messages.markRead({ owner: 'bob', box: 'inbox' })
        const byIds = await side!
        // The whole-box call and the by-id read share the 21 reads; the unread is the one more.
        expect(whole.changed + byIds).toBe(3 * size + 1)
        expect(whole.changed).toBeGreaterThanOrEqual(2 * size)
      } finally {
        subscription.unsubscribe()
      }
      expect(await unreadIds()).toEqual([ids[0]])
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 3 * size, unread: 1 })
    })

    it('a concurrent writer gets in between chunks, not after the whole box', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const n = 10 * size
      await sendToBob(n)
      const before = t.ph.events.lastCursor
      let sends: Promise<unknown> | undefined
      // Once the first chunk committed, another writer sends (on SQLite: the next writer in line).
      const subscription = t.ph.events$.subscribe((e) => {
        if (sends || e.type !== 'box.markedRead') return
        sends = t.ph.messages.send({ from: 'alice', to: ['carol'], content: { between: true } })
      })
      try {
        expect(await t.ph.messages.markRead({ owner: 'bob', box: 'inbox' })).toEqual({
          changed: n,
        })
        await sends
      } finally {
        subscription.unsubscribe()
      }
      const events = await eventsAfter(t.ph, before)
      const chunks = events.filter((e) => e.type === 'box.markedRead').map((e) => e.cursor)
      const sent = events.find((e) => e.type === 'message.sent')!.cursor
      expect(chunks).toHaveLength(10)
      // The send committed before the mark's last chunk: it waited for one chunk at most.
      expect(sent).toBeGreaterThan(chunks[0]!)
      expect(sent).toBeLessThan(chunks[chunks.length - 1]!)
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: n, unread: 0 })
      expect(await t.ph.verify()).toEqual([])
    })

    it('lets the event loop run between chunks (never holds it for more than one)', async () => {
      await register(t.ph, 'alice', 'bob')
      const n = 100 * size
      await sendToBob(n)
      let ticks = 0
      let ticking = true
      const tick = () => {
        ticks += 1
        if (ticking) setImmediate(tick)
      }
      const marking = t.ph.messages.markRead({ owner: 'bob', box: 'inbox' })
      setImmediate(tick)
      // What the host saw run by the time the mark resolved.
      const seen = await marking.then((result) => ({ result, ticks }))
      ticking = false
      expect(seen.result).toEqual({ changed: n })
      // One turn of the loop at least between any two of its 100 chunks.
      expect(seen.ticks).toBeGreaterThanOrEqual(100 - 1)
    })
  })
}
