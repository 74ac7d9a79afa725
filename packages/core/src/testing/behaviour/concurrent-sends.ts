import { describe, expect, it } from 'vitest'
import { isPigeonholeError, type Message, type SendPolicy } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsAfter, register } from './helpers.js'

const hi = (from: string, to: string, text: string) => ({ from, to: [to], content: { text } })

/**
 * Sends made at once, some failing: each succeeds or fails on its own, whatever the store
 * does with concurrent writes (SQLite with group commit runs them in one transaction).
 */
export function describeConcurrentSends(options: ConformanceOptions): void {
  describe('concurrent sends', () => {
    const t = useEngine(options)

    it('each concurrent send succeeds or fails on its own; the stored ones are emitted once each', async () => {
      const boom = new Error('policy store unreachable')
      const throws: SendPolicy = {
        name: 'throws-on-boom',
        judge(batch) {
          if (batch.items.some((item) => item.content.text === 'boom')) throw boom
        },
      }
      const { ph } = await t.open({ policies: [throws] })
      await register(ph, 'alice', 'bob', 'dave')
      await ph.accounts.register({ address: 'carol', consent: 'opt-in' })
      const before = ph.events.lastCursor
      const settled = await Promise.allSettled([
        ph.messages.send(hi('alice', 'bob', 'one')),
        ph.messages.send(hi('alice', 'zed', 'no such recipient')),
        ph.messages.send(hi('alice', 'carol', 'no consent')),
        ph.messages.send(hi('alice', 'bob', 'boom')),
        ph.messages.send({ ...hi('alice', 'dave', 'keyed'), idempotencyKey: 'k' }),
        ph.messages.send(hi('bob', 'alice', 'two')),
        ph.messages.send(hi('dave', 'bob', 'three')),
      ])
      const outcomes = settled.map((s) => {
        if (s.status === 'fulfilled') return `ok ${s.value.content.text}`
        return isPigeonholeError(s.reason) ? `failed ${s.reason.code}` : s.reason
      })
      expect(outcomes).toEqual([
        'ok one',
        'failed recipient_not_found',
        'failed consent_required',
        boom,
        'ok keyed',
        'ok two',
        'ok three',
      ])
      const created = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value as Message] : []))
      // Every stored send's events, once each and nothing else, in cursor order.
      const events = await eventsAfter(ph, before)
      expect(events.map((e) => e.cursor)).toEqual(
        [...events.map((e) => e.cursor)].sort((a, b) => a - b),
      )
      expect(events.map((e) => `${e.type} ${e.owner} ${e.messageId}`).sort()).toEqual(
        created
          .flatMap((m) => [`message.sent ${m.from} ${m.id}`, `message.received ${m.to[0]} ${m.id}`])
          .sort(),
      )
      // A send's own events come out together, sent before received.
      for (const m of created) {
        const mine = events.filter((e) => e.messageId === m.id).map((e) => e.type)
        expect(mine).toEqual(['message.sent', 'message.received'])
      }
      expect((await ph.boxes.counts('bob')).inbox).toEqual({ total: 2, unread: 2 })
      expect((await ph.boxes.counts('carol')).inbox ?? { total: 0, unread: 0 }).toEqual({
        total: 0,
        unread: 0,
      })
    })

    it('the same idempotency key sent at once by many callers stores one message', async () => {
      const { ph } = await t.open()
      await register(ph, 'alice', 'bob')
      const same = { ...hi('alice', 'bob', 'once'), idempotencyKey: 'once' }
      const other = { ...hi('alice', 'bob', 'not the same'), idempotencyKey: 'once' }
      const settled = await Promise.allSettled([
        ...Array.from({ length: 6 }, () => ph.messages.send(same)),
        ph.messages.send(other),
      ])
      const ids = new Set(
        settled.flatMap((s) => (s.status === 'fulfilled' ? [(s.value as Message).id] : [])),
      )
      // The other payload conflicts, unless it came first: then the six conflict instead.
      const failed = settled.filter((s) => s.status === 'rejected')
      expect(ids.size).toBe(1)
      expect([1, 6]).toContain(failed.length)
      for (const f of failed) {
        expect((f as PromiseRejectedResult).reason).toMatchObject({ code: 'idempotency_conflict' })
      }
      expect((await ph.boxes.counts('bob')).inbox).toEqual({ total: 1, unread: 1 })
    })
  })
}
