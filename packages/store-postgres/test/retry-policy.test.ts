import { isPigeonholeError } from '@pigeonhole/core'
import { describe, expect, it } from 'vitest'
import type { RetryInfo } from '../src/index.js'
import { Listener } from '../src/listener.js'
import { transactionRetry } from '../src/retry.js'

// No server needed: the failures are made up, the listener's server is one that refuses.
const failure = (code: string) => Object.assign(new Error(`failed (${code})`), { code })

describe('store-postgres: retry and reconnect delays', () => {
  it('retries a retryable failure with a doubling, jittered delay, then gives up after maxAttempts', async () => {
    const retries: RetryInfo[] = []
    const withRetry = transactionRetry({
      maxAttempts: 4,
      retryDelayMs: 100,
      onRetry: (info) => retries.push(info),
    })
    let runs = 0
    const error = await withRetry(async () => {
      runs += 1
      throw failure('40001')
    }).catch((e: unknown) => e)
    expect(runs).toBe(4)
    expect(isPigeonholeError(error, 'store_error')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({ sqlState: '40001' })
    expect(retries.map((r) => [r.attempt, r.sqlState])).toEqual([
      [1, '40001'],
      [2, '40001'],
      [3, '40001'],
    ])
    // Between half and all of 100, 200, then 250 (the ceiling keeps its jitter).
    const ceilings = [100, 200, 250]
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(ceilings[i]! / 2)
      expect(r.delayMs).toBeLessThanOrEqual(ceilings[i]!)
    })
  })

  it('returns the result once a retry goes through; other failures are not retried', async () => {
    const retries: RetryInfo[] = []
    const withRetry = transactionRetry({
      maxAttempts: 8,
      retryDelayMs: 1,
      onRetry: (info) => retries.push(info),
    })
    let runs = 0
    const value = await withRetry(async () => {
      runs += 1
      if (runs < 3) throw failure(runs === 1 ? '40P01' : '23505')
      return 'done'
    })
    expect(value).toBe('done')
    expect(retries.map((r) => r.sqlState)).toEqual(['40P01', '23505'])

    runs = 0
    const error = await withRetry(async () => {
      runs += 1
      throw failure('23514')
    }).catch((e: unknown) => e)
    expect(runs).toBe(1)
    expect((error as { details: unknown }).details).toEqual({ sqlState: '23514' })
    expect(retries).toHaveLength(2)
  })

  it('what onRetry throws reaches the caller as thrown, and ends the retries', async () => {
    const boom = new Error('boom')
    const withRetry = transactionRetry({
      maxAttempts: 8,
      retryDelayMs: 1,
      onRetry: () => {
        throw boom
      },
    })
    let runs = 0
    const error = await withRetry(async () => {
      runs += 1
      throw failure('40001')
    }).catch((e: unknown) => e)
    expect(error).toBe(boom)
    expect(runs).toBe(1)
  })

  it('the listener retries a refused connection with growing delays until stopped', async () => {
    const attempts: number[] = []
    const listener = new Listener({
      clientConfig: { host: '127.0.0.1', port: 1, user: 'nobody', database: 'none' },
      channel: 'c',
      onNotify: () => {},
      onListening: () => {},
      onError: () => attempts.push(performance.now()),
      reconnectMinMs: 40,
      reconnectMaxMs: 80,
    })
    await listener.start()
    const deadline = Date.now() + 10_000
    while (attempts.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await listener.stop()
    const stoppedAt = attempts.length
    await new Promise((r) => setTimeout(r, 200))
    expect(attempts.length).toBe(stoppedAt)
    expect(stoppedAt).toBeGreaterThanOrEqual(4)
    // Each wait is at least half its ceiling: 40, 80, then 80 (timers only ever fire late).
    const gaps = attempts.slice(1, 4).map((t, i) => t - attempts[i]!)
    expect(gaps[0]).toBeGreaterThanOrEqual(20 - 1)
    expect(gaps[1]).toBeGreaterThanOrEqual(40 - 1)
    expect(gaps[2]).toBeGreaterThanOrEqual(40 - 1)
  })
})
