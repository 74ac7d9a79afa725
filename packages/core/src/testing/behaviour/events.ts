import type { Subscription } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { openPigeonhole, type PigeonholeEvent } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsAfter, expectError, register, summary } from './helpers.js'

export function describeEvents(options: ConformanceOptions): void {
  describe('events', () => {
    const t = useEngine(options)
    let subscriptions: Subscription[] = []
    afterEach(() => {
      for (const s of subscriptions) s.unsubscribe()
      subscriptions = []
    })
    /** Records everything `events$` emits from now on. */
    const record = () => {
      const seen: PigeonholeEvent[] = []
      subscriptions.push(t.ph.events$.subscribe((e) => seen.push(e)))
      return seen
    }

    it('every change writes an event; events$ emits them in cursor order', async () => {
      const seen = record()
      await register(t.ph, 'alice', 'bob')
      await t.ph.accounts.update({ address: 'bob', displayName: 'Bob' })
      const thread = await t.ph.threads.create({ subject: 's', participants: ['alice', 'bob'] })
      const m = await t.ph.messages.send({ from: 'alice', threadId: thread.id, content: {} })
      await t.ph.messages.markRead({ owner: 'bob', ids: [m.id] })
      await t.ph.messages.markUnread({ owner: 'bob', ids: [m.id] })
      await t.ph.messages.move({ owner: 'bob', ids: [m.id], to: 'keep' })
      await t.ph.messages.update({ id: m.id, by: 'alice', content: { v: 2 }, expectedVersion: 1 })
      await t.ph.messages.delete({ owner: 'bob', ids: [m.id] })
      await t.ph.messages.retract({ id: m.id, by: 'alice' })
      await t.ph.messages.broadcast({ content: { text: 'hi all' } })
      await t.ph.threads.close({ id: thread.id })
      await t.ph.accounts.remove('bob')
      const expected = [
        'account.registered alice',
        'account.registered bob',
        'account.updated bob',
        'thread.created',
        'message.sent alice',
        'message.received bob',
        'message.read bob',
        'message.unread bob',
        'message.moved bob',
        'message.updated',
        'message.deleted bob',
        'message.retracted',
        'message.broadcast',
        'thread.closed',
        'account.removed bob',
      ]
      expect(summary(seen)).toEqual(expected)
      const cursors = seen.map((e) => e.cursor)
      expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true)
      expect(t.ph.events.lastCursor).toBe(cursors.at(-1))
      // What was emitted is exactly what was stored.
      expect(await eventsAfter(t.ph, 0)).toEqual(seen)
    })

    it('emits after commit: a subscriber already sees the change', async () => {
      await register(t.ph, 'alice', 'bob')
      const checks: Promise<unknown>[] = []
      subscriptions.push(
        t.ph.events$.subscribe((e) => {
          if (e.type === 'message.received') {
            checks.push(t.ph.messages.getItem({ owner: e.owner!, id: e.messageId! }))
          }
        }),
      )
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } }),
        ),
      )
      expect(checks).toHaveLength(5)
      for (const item of await Promise.all(checks)) expect(item).not.toBeNull()
    })

    it('concurrent changes are emitted once each with strictly increasing cursors', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const seen = record()
      const start = t.ph.events.lastCursor
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.ph.messages.send({ from: i % 2 ? 'alice' : 'carol', to: ['bob'], content: { i } }),
        ),
      )
      expect(seen).toHaveLength(40)
      const cursors = seen.map((e) => e.cursor)
      expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1]!)).toBe(true)
      expect(await eventsAfter(t.ph, start)).toEqual(seen)
    })

    it('emits nothing for a failed call', async () => {
      await register(t.ph, 'alice', 'bob')
      const m = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const seen = record()
      const before = t.ph.events.lastCursor
      await expectError(
        t.ph.messages.send({ from: 'alice', to: ['zed'], content: {} }),
        'recipient_not_found',
      )
      await expectError(t.ph.messages.markRead({ owner: 'bob', ids: [m.id, 'x'] }), 'not_found')
      await expectError(
        t.ph.messages.update({ id: m.id, by: 'alice', content: {}, expectedVersion: 9 }),
        'version_conflict',
      )
      await expectError(t.ph.accounts.register({ address: 'bob' }), 'already_exists')
      await expectError(t.ph.messages.list({ owner: 'bob', limit: 0 }), 'invalid_input')
      const result = await t.ph.messages.sendMany([
        { identifier: 'x', from: 'alice', to: ['zed'], content: {} },
      ])
      expect(result.failed).toBe(1)
      expect(seen).toEqual([])
      expect(t.ph.events.lastCursor).toBe(before)
    })

    it('since(cursor) replays stored events, then continues live: no gap, no duplicate', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      for (let i = 0; i < 10; i++) {
        await t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { i } })
      }
      const stored = await eventsAfter(t.ph, 0)
      const middle = stored[Math.floor(stored.length / 2)]!.cursor
      // Subscribe at many moments while more sends run, so replays and live events overlap.
      const runs: PigeonholeEvent[][] = []
      const more = Array.from({ length: 30 }, (_, i) =>
        t.ph.messages
          .send({ from: i % 2 ? 'bob' : 'carol', to: ['alice'], content: { i } })
          .then(() => {
            const got: PigeonholeEvent[] = []
            runs.push(got)
            subscriptions.push(t.ph.events.since(middle).subscribe((e) => got.push(e)))
          }),
      )
      await Promise.all(more)
      const last = t.ph.events.lastCursor
      await waitFor(() => runs.every((got) => got.at(-1)?.cursor === last))
      const expected = await eventsAfter(t.ph, middle)
      expect(expected).toHaveLength(stored.filter((e) => e.cursor > middle).length + 60)
      expect(expected[0]!.cursor).toBeGreaterThan(middle)
      expect(runs).toHaveLength(30)
      for (const got of runs) expect(got).toEqual(expected)
    })

    it('since(0) starts at the first event; since(lastCursor) gives only what comes next', async () => {
      await register(t.ph, 'alice', 'bob')
      const all = await eventsAfter(t.ph, 0)
      expect(summary(all)).toEqual(['account.registered alice', 'account.registered bob'])
      const next: PigeonholeEvent[] = []
      subscriptions.push(t.ph.events.since(t.ph.events.lastCursor).subscribe((e) => next.push(e)))
      await t.ph.accounts.update({ address: 'alice', displayName: 'A' })
      await waitFor(() => next.length > 0)
      expect(summary(next)).toEqual(['account.updated alice'])
      expect(next[0]!.at).toBe(t.clock.now())
      await expectError(() => t.ph.events.since(-1), 'invalid_input', {
        message: /events.since: cursor: expected a number >= 0, got -1/,
        field: 'cursor',
      })
      await expectError(() => t.ph.events.since('5' as never), 'invalid_input', {
        field: 'cursor',
      })
    })

    it('a long since(0) replay lets the event loop run between pages', async () => {
      await register(t.ph, 'alice', 'bob')
      // 6,000 stored events: twelve replay pages of 500.
      for (let batch = 0; batch < 3; batch++) {
        const sent = await t.ph.messages.sendMany(
          Array.from({ length: 1000 }, (_, i) => ({
            identifier: `${batch}-${i}`,
            from: 'alice',
            to: ['bob'],
            content: { i },
          })),
        )
        expect(sent.created).toBe(1000)
      }
      const last = t.ph.events.lastCursor
      const observed: string[] = []
      let count = 0
      const replayed = new Promise<void>((resolve) => {
        subscriptions.push(
          t.ph.events.since(0).subscribe((e) => {
            count += 1
            if (e.cursor === last) {
              observed.push(`replayed ${count}`)
              resolve()
            }
          }),
        )
      })
      setImmediate(() => observed.push('setImmediate'))
      setTimeout(() => observed.push('setTimeout'), 0)
      await replayed
      expect(count).toBe(last)
      // Both callbacks ran while the replay was under way, not after it.
      expect(observed.slice(0, 2).sort()).toEqual(['setImmediate', 'setTimeout'])
      expect(observed[2]).toBe(`replayed ${last}`)
    })

    it('close() completes events$ and later calls fail with closed', async () => {
      const ph = await openPigeonhole({ store: await options.openStore() })
      let completed = false
      try {
        ph.events$.subscribe({ complete: () => (completed = true) })
        await ph.accounts.register({ address: 'alice' })
      } finally {
        await ph.close()
      }
      expect(completed).toBe(true)
      await expectError(ph.accounts.get('alice'), 'closed')
      await expectError(ph.accounts.register({ address: 'bob' }), 'closed')
      await ph.close()
    })
  })
}

/** Polls `done` until it holds (5 s at most). */
async function waitFor(done: () => boolean): Promise<void> {
  const until = Date.now() + 5000
  while (!done()) {
    if (Date.now() > until) throw new Error('waitFor: timed out')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}
