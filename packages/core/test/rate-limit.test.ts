import fc from 'fast-check'
import { expect, test } from 'vitest'
import type { WriteTx } from '../src/engine/write-tx.js'
import { RateLimiter } from '../src/send/rate-limit.js'

/** What the limiter reads of a transaction: its time, and where to register a refund. */
function txAt(now: number, undo: (() => void)[] = []): WriteTx {
  return { now, onRollback: (f: () => void) => undo.push(f) } as unknown as WriteTx
}

const rates = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.constantFrom(0.001, 0.1, 0.3, 0.5, 1 / 3, 2.5, 7.7, 333.3),
)

test('retryAfterMs is exact for any rate: refused one ms earlier, admitted then; and no more than the bucket allows ever passes', () => {
  fc.assert(
    fc.property(
      rates,
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 60 }),
      (sendsPerSecond, burst, gaps) => {
        const limiter = RateLimiter.of({ sendsPerSecond, burst })!
        let now = 1_000_000
        const admitted: number[] = []
        for (const gap of gaps) {
          now += gap
          const error = limiter.session(txAt(now), false).admit('alice')
          if (!error) {
            admitted.push(now)
            continue
          }
          const wait = error.details.retryAfterMs as number
          expect(wait).toBeGreaterThan(0)
          // A peek one ms before is still refused, with 1 ms to go; at the time given, it passes.
          if (wait > 1) {
            const early = limiter.session(txAt(now + wait - 1), true).admit('alice')
            expect(early?.details.retryAfterMs).toBe(1)
          }
          now += wait
          expect(limiter.session(txAt(now), false).admit('alice')).toBeUndefined()
          admitted.push(now)
        }
        // In any window, at most burst plus what refilled in it (one ms of slack for rounding).
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            const span = admitted[j]! - admitted[i]!
            expect(j - i + 1).toBeLessThanOrEqual(
              burst + Math.floor((span * sendsPerSecond) / 1000) + 1e-9,
            )
          }
        }
      },
    ),
    { numRuns: 200 },
  )
})

test('a rolled-back take is given back; a dry run never takes', () => {
  const limiter = RateLimiter.of({ sendsPerSecond: 1, burst: 2 })!
  const undo: (() => void)[] = []
  const session = limiter.session(txAt(0, undo), false)
  expect(session.admit('a')).toBeUndefined()
  expect(session.admit('a')).toBeUndefined()
  expect(session.admit('a')?.details.retryAfterMs).toBe(1000)
  expect(undo).toHaveLength(1)
  for (const f of undo) f()
  for (let i = 0; i < 5; i++) {
    const dry = limiter.session(txAt(0), true)
    expect(dry.admit('a')).toBeUndefined()
    expect(dry.admit('a')).toBeUndefined()
    expect(dry.admit('a')?.details.retryAfterMs).toBe(1000)
  }
  const again = limiter.session(txAt(0), false)
  expect(again.admit('a')).toBeUndefined()
  expect(again.admit('a')).toBeUndefined()
})

test('no limiter at all when no sender has a limit', () => {
  expect(RateLimiter.of({})).toBeUndefined()
  expect(RateLimiter.of({ kinds: { staff: null } })).toBeUndefined()
  expect(
    RateLimiter.of({ kinds: { bulk: { sendsPerSecond: 1 } }, kindOf: () => 'bulk' }),
  ).toBeDefined()
})

test('many senders: full buckets are pruned, so memory follows the busy senders only', () => {
  const limiter = RateLimiter.of({ sendsPerSecond: 1000, burst: 1 })!
  for (let i = 0; i < 25_000; i++) {
    expect(limiter.session(txAt(i), false).admit(`u${i}`)).toBeUndefined()
  }
  // A sender seen 20000 ms ago has a full bucket again: it is not limited.
  expect(limiter.session(txAt(25_000), false).admit('u0')).toBeUndefined()
  expect(limiter.session(txAt(25_000), false).admit('u0')?.details.retryAfterMs).toBe(1)
})
