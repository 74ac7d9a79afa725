import { describe, expect, it } from 'vitest'
import type { Pigeonhole, SendPolicy } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, expectNothingChanged, register } from './helpers.js'

const hi = (from: string | null, to: string) => ({ from, to: [to], content: { text: 'hi' } })

/** Sends `n` messages from `from` to `to`, each expected to be stored. */
async function sendN(ph: Pigeonhole, n: number, from: string | null, to: string): Promise<void> {
  for (let i = 0; i < n; i++) await ph.messages.send(hi(from, to))
}

/** Expects the next send from `from` to be refused with exactly `retryAfterMs`, storing nothing. */
async function expectLimited(
  e: Parameters<typeof expectNothingChanged>[0],
  from: string | null,
  to: string,
  retryAfterMs: number,
) {
  const error = await expectNothingChanged(
    e,
    [to, ...(from === null ? [] : [from])],
    () => e.ph.messages.send(hi(from, to)),
    'rate_limited',
    { field: 'from', message: new RegExp(`; retry after ${retryAfterMs} ms$`) },
  )
  expect(error.details.retryAfterMs).toBe(retryAfterMs)
  return error
}

export function describeRateLimits(options: ConformanceOptions): void {
  describe('rate limits', () => {
    const t = useEngine(options)

    it('no limit by default: a sender may send as fast as it likes', async () => {
      await register(t.ph, 'alice', 'bob')
      await sendN(t.ph, 30, 'alice', 'bob')
      expect((await t.ph.boxes.counts('bob')).inbox?.total).toBe(30)
    })

    it('a bucket of burst sends refills at sendsPerSecond; retryAfterMs is exact', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 2, burst: 3 } })
      await register(e.ph, 'alice', 'bob')
      await sendN(e.ph, 3, 'alice', 'bob')
      const error = await expectLimited(e, 'alice', 'bob', 500)
      expect(error.message).toBe(
        'messages.send: from: "alice" may send 2 per second, 3 at once; retry after 500 ms',
      )
      expect(error.details).toEqual({
        field: 'from',
        retryAfterMs: 500,
        sendsPerSecond: 2,
        burst: 3,
      })
      // A refused attempt costs nothing: the wait only shrinks with time.
      e.clock.tick(499)
      await expectLimited(e, 'alice', 'bob', 1)
      e.clock.tick(1)
      await e.ph.messages.send(hi('alice', 'bob'))
      await expectLimited(e, 'alice', 'bob', 500)
      // 1250 ms later: 2.5 sends refilled, 2 fit, the third waits for the half left.
      e.clock.tick(1250)
      await sendN(e.ph, 2, 'alice', 'bob')
      await expectLimited(e, 'alice', 'bob', 250)
      expect((await e.ph.boxes.counts('bob')).inbox?.total).toBe(6)
    })

    it('a full bucket holds burst sends, however long it was idle', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 10, burst: 4 } })
      await register(e.ph, 'alice', 'bob')
      e.clock.tick(3_600_000)
      await sendN(e.ph, 4, 'alice', 'bob')
      await expectLimited(e, 'alice', 'bob', 100)
      e.clock.tick(3_600_000)
      await sendN(e.ph, 4, 'alice', 'bob')
      await expectLimited(e, 'alice', 'bob', 100)
    })

    it('fractional rates: 0.5 per second is one send every 2000 ms; burst defaults to the rate rounded up', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 0.5 } })
      await register(e.ph, 'alice', 'bob')
      await e.ph.messages.send(hi('alice', 'bob'))
      const error = await expectLimited(e, 'alice', 'bob', 2000)
      expect(error.details).toMatchObject({ sendsPerSecond: 0.5, burst: 1 })
      e.clock.tick(1999)
      await expectLimited(e, 'alice', 'bob', 1)
      e.clock.tick(1)
      await e.ph.messages.send(hi('alice', 'bob'))

      // 3 per second: burst 3, then one every 333.3 ms, rounded up to whole ms, no drift.
      const f = await t.open({ limits: { sendsPerSecond: 3 } })
      await register(f.ph, 'alice', 'bob')
      await sendN(f.ph, 3, 'alice', 'bob')
      await expectLimited(f, 'alice', 'bob', 334)
      f.clock.tick(334)
      await f.ph.messages.send(hi('alice', 'bob'))
      // The second refill is due at 666.7 ms after the bucket emptied: 333 ms from now.
      await expectLimited(f, 'alice', 'bob', 333)
      f.clock.tick(333)
      await f.ph.messages.send(hi('alice', 'bob'))
      // And the third at exactly 1000 ms.
      await expectLimited(f, 'alice', 'bob', 333)
      f.clock.tick(332)
      await expectLimited(f, 'alice', 'bob', 1)
      f.clock.tick(1)
      await f.ph.messages.send(hi('alice', 'bob'))
    })

    it('each sender has its own bucket', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 1, burst: 1 } })
      await register(e.ph, 'alice', 'bob', 'carol')
      await e.ph.messages.send(hi('alice', 'carol'))
      await expectLimited(e, 'alice', 'carol', 1000)
      await e.ph.messages.send(hi('bob', 'carol'))
      await expectLimited(e, 'bob', 'carol', 1000)
      // Addresses fold: ALICE is alice.
      await expectError(e.ph.messages.send(hi('ALICE', 'carol')), 'rate_limited')
    })

    it('per sender kind: the host classifies senders; a kind may have no limit', async () => {
      const asked: string[] = []
      const e = await t.open({
        limits: {
          sendsPerSecond: 1,
          burst: 1,
          kinds: { service: { sendsPerSecond: 100, burst: 5 }, staff: null },
          kindOf: (from) => {
            asked.push(from)
            return from.startsWith('svc-') ? 'service' : from === 'admin' ? 'staff' : undefined
          },
        },
      })
      await register(e.ph, 'alice', 'bob', 'svc-news', 'admin')
      await sendN(e.ph, 5, 'svc-news', 'bob')
      const error = await expectLimited(e, 'svc-news', 'bob', 10)
      expect(error.message).toBe(
        'messages.send: from: "svc-news" (kind "service") may send 100 per second, 5 at once; retry after 10 ms',
      )
      expect(error.details).toMatchObject({ kind: 'service', sendsPerSecond: 100, burst: 5 })
      await sendN(e.ph, 50, 'admin', 'bob')
      await e.ph.messages.send(hi('alice', 'bob'))
      const plain = await expectLimited(e, 'alice', 'bob', 1000)
      expect(plain.details.kind).toBeUndefined()
      expect(new Set(asked)).toEqual(new Set(['svc-news', 'admin', 'alice']))
    })

    it('kind only: with no default rate, only the listed kinds are limited', async () => {
      const e = await t.open({
        limits: {
          kinds: { bulk: { sendsPerSecond: 1, burst: 2 } },
          kindOf: (from) => (from === 'mailer' ? 'bulk' : null),
        },
      })
      await register(e.ph, 'mailer', 'alice', 'bob')
      await sendN(e.ph, 2, 'mailer', 'bob')
      await expectLimited(e, 'mailer', 'bob', 1000)
      await sendN(e.ph, 20, 'alice', 'bob')
      // The system has no kind of its own here, and there is no default: unlimited.
      await sendN(e.ph, 5, null, 'bob')
    })

    it('the system (from: null) is one sender of kind "system"; broadcasts count too', async () => {
      const e = await t.open({
        limits: {
          sendsPerSecond: 1000,
          kinds: { system: { sendsPerSecond: 1, burst: 2 } },
        },
      })
      await register(e.ph, 'alice', 'bob')
      await e.ph.messages.send(hi(null, 'bob'))
      await e.ph.messages.broadcast({ content: { text: 'all' }, idempotencyKey: 'b-1' })
      const error = await expectLimited(e, null, 'bob', 1000)
      expect(error.message).toBe(
        'messages.send: from: the system (kind "system") may send 1 per second, 2 at once; retry after 1000 ms',
      )
      const before = await e.ph.boxes.counts('alice')
      const broadcastError = await expectError(
        e.ph.messages.broadcast({ content: { text: 'again' } }),
        'rate_limited',
        { field: 'from', message: /^messages\.broadcast: from: the system .*retry after 1000 ms$/ },
      )
      expect(broadcastError.details).toMatchObject({ retryAfterMs: 1000, kind: 'system' })
      expect(await e.ph.boxes.counts('alice')).toEqual(before)
      // A retry of the keyed broadcast answers with the stored message and costs nothing.
      const again = await e.ph.messages.broadcast({
        content: { text: 'all' },
        idempotencyKey: 'b-1',
      })
      expect(again.content).toEqual({ text: 'all' })
      // Users are not held back by the system's limit.
      await sendN(e.ph, 10, 'alice', 'bob')
      e.clock.tick(1000)
      await e.ph.messages.broadcast({ content: { text: 'later' } })
      expect((await e.ph.boxes.counts('alice')).inbox?.total).toBe(2)
    })

    it('the system takes the default rate when kinds has no "system"', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 1, burst: 1 } })
      await register(e.ph, 'bob')
      await e.ph.messages.broadcast({ content: {} })
      await expectLimited(e, null, 'bob', 1000)
    })

    it('sendMany: the items over the limit fail with rate_limited, the others are stored', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 4, burst: 3 } })
      await register(e.ph, 'alice', 'bob', 'carol')
      const result = await e.ph.messages.sendMany([
        { identifier: 'a1', ...hi('alice', 'bob') },
        { identifier: 'a2', ...hi('alice', 'bob') },
        { identifier: 'c1', ...hi('carol', 'bob') },
        { identifier: 'a3', ...hi('alice', 'bob') },
        { identifier: 'a4', ...hi('alice', 'bob') },
        { identifier: 'a5', ...hi('alice', 'carol') },
      ])
      expect(result.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual([
        ['a1', 'created', undefined],
        ['a2', 'created', undefined],
        ['c1', 'created', undefined],
        ['a3', 'created', undefined],
        ['a4', 'failed', 'rate_limited'],
        ['a5', 'failed', 'rate_limited'],
      ])
      expect(result).toMatchObject({ created: 4, duplicates: 0, failed: 2 })
      // Retried alone, one more send fits in 250 ms: both say so.
      expect(result.items[4]!.error).toEqual({
        code: 'rate_limited',
        message: 'from: "alice" may send 4 per second, 3 at once; retry after 250 ms',
        details: { field: 'from', retryAfterMs: 250, sendsPerSecond: 4, burst: 3 },
      })
      expect(result.items[5]!.error?.details.retryAfterMs).toBe(250)
      expect((await e.ph.boxes.counts('bob')).inbox?.total).toBe(4)
      expect((await e.ph.boxes.counts('carol')).inbox?.total).toBe(0)
      expect((await e.ph.boxes.counts('alice')).sent?.total).toBe(3)
    })

    it('only stored sends take a token: invalid, refused, failed and duplicate sends cost nothing', async () => {
      const muted: SendPolicy = {
        name: 'mute',
        judge(batch, verdicts) {
          for (const item of batch.items) {
            if (item.to.includes('carol')) {
              verdicts.refuse(item, { code: 'muted', message: 'carol muted everyone' })
            }
          }
        },
      }
      const e = await t.open({ limits: { sendsPerSecond: 1, burst: 2 }, policies: [muted] })
      await register(e.ph, 'alice', 'bob', 'carol')
      const first = await e.ph.messages.send({ ...hi('alice', 'bob'), idempotencyKey: 'k' })
      await expectError(e.ph.messages.send(hi('alice', 'nobody')), 'recipient_not_found')
      await expectError(e.ph.messages.send(hi('alice', 'carol')), 'refused')
      await expectError(
        e.ph.messages.send({ from: 'alice', to: ['bob'], content: { big: 'x'.repeat(300_000) } }),
        'invalid_input',
      )
      const thread = await e.ph.threads.create({ subject: 's', participants: ['alice', 'bob'] })
      await e.ph.threads.close({ id: thread.id, by: 'alice' })
      await expectError(
        e.ph.messages.send({ from: 'alice', threadId: thread.id, content: {} }),
        'thread_closed',
      )
      const again = await e.ph.messages.send({ ...hi('alice', 'bob'), idempotencyKey: 'k' })
      expect(again.id).toBe(first.id)
      const batch = await e.ph.messages.sendMany([
        { identifier: 'dup', ...hi('alice', 'bob'), idempotencyKey: 'k' },
        { identifier: 'bad', from: 'alice', to: [], content: {} },
        { identifier: 'muted', ...hi('alice', 'carol') },
      ])
      expect(batch.items.map((i) => i.status)).toEqual(['duplicate', 'failed', 'failed'])
      // One token of two was taken, by the first send: one more fits, then the limit.
      await e.ph.messages.send(hi('alice', 'bob'))
      await expectLimited(e, 'alice', 'bob', 1000)
    })

    it('a send whose transaction rolls back gives its token back', async () => {
      let calls = 0
      const e = await t.open({
        limits: {
          sendsPerSecond: 1,
          burst: 1,
          kinds: { user: { sendsPerSecond: 1, burst: 1 } },
          kindOf: (from) => {
            calls += 1
            if (from === 'mallory') throw new Error('directory unreachable')
            return 'user'
          },
        },
      })
      await register(e.ph, 'alice', 'bob', 'mallory')
      // alice's item is admitted (and takes its token) before mallory's throws: all rolls back.
      await expect(
        e.ph.messages.sendMany([
          { identifier: 'a', ...hi('alice', 'bob') },
          { identifier: 'm', ...hi('mallory', 'bob') },
        ]),
      ).rejects.toThrow('directory unreachable')
      expect(calls).toBe(2)
      expect((await e.ph.boxes.counts('bob')).inbox?.total).toBe(0)
      await e.ph.messages.send(hi('alice', 'bob'))
      await expectLimited(e, 'alice', 'bob', 1000)
    })

    it('a kind that kindOf answers but kinds does not list is the host’s bug: invalid_input, nothing stored', async () => {
      const e = await t.open({
        limits: { kinds: { service: { sendsPerSecond: 5 } }, kindOf: () => 'servcie' },
      })
      await register(e.ph, 'alice', 'bob')
      const error = await expectNothingChanged(
        e,
        ['alice', 'bob'],
        () => e.ph.messages.send(hi('alice', 'bob')),
        'invalid_input',
        {
          field: 'limits.kindOf',
          message:
            /^messages\.send: limits\.kindOf: returned "servcie" for "alice", not a key of limits\.kinds \(service\) nor undefined$/,
        },
      )
      expect(error.details).toMatchObject({ expected: 'one of service', got: 'servcie' })
    })

    it('Responses that requests.accept sends are not counted against the accepting account', async () => {
      const e = await t.open({ limits: { sendsPerSecond: 1, burst: 1 } })
      await register(e.ph, 'alice', 'bob')
      const draft = await e.ph.requests.create({
        owner: 'alice',
        peer: 'bob',
        content: { items: [{ '@type': 'FreeTextRequestItem', mustBeAccepted: false }] },
      })
      await e.ph.messages.send({ from: 'alice', to: ['bob'], content: draft.content as never })
      // bob spends his one send, then accepts: the Response still goes.
      await e.ph.messages.send(hi('bob', 'alice'))
      const accepted = await e.ph.requests.accept({
        owner: 'bob',
        id: draft.id,
        items: [{ accept: true, freeText: 'ok' }],
      })
      expect(accepted.status).toBe('Completed')
      await expectLimited(e, 'bob', 'alice', 1000)
    })
  })
}
