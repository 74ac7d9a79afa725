import { ExponentialBackoff, halfJitterGenerator, handleWhen, retry } from 'cockatiel'
import type { RetryInfo } from './options.js'
import { isRetryable, sqlStateOf, toStoreError } from './store-error.js'

export interface RetryPolicy {
  maxAttempts: number
  retryDelayMs: number
  onRetry: (info: RetryInfo) => void
}

const maxDelayMs = 250

/**
 * Runs a whole transaction, again after a serialization failure, deadlock or unique
 * violation (each attempt starts from scratch, so the loser of a race sees the winner's
 * rows), at most `maxAttempts` times, with a doubling delay (at most 250 ms) jittered between
 * half and all of it, so racing instances do not retry in lockstep (cockatiel's retry policy
 * and half-jitter backoff). Other failures, and the last one, surface as a PigeonholeError
 * (`store_error` with the cause); the engine's own errors pass through.
 */
export function transactionRetry(policy: RetryPolicy): <T>(run: () => Promise<T>) => Promise<T> {
  const retrying = retry(handleWhen(isRetryable), {
    maxAttempts: policy.maxAttempts - 1, // retries after the first attempt
    backoff: new ExponentialBackoff({
      initialDelay: policy.retryDelayMs,
      maxDelay: maxDelayMs,
      generator: halfJitterGenerator,
    }),
  })
  // Fired before each wait, with the attempt that failed (1 for the first) and the wait.
  retrying.onRetry((event) => {
    if (!('error' in event)) return
    const sqlState = sqlStateOf(event.error)!
    try {
      policy.onRetry({ attempt: event.attempt, sqlState, delayMs: event.delay })
    } catch (error) {
      throw new OnRetryThrew(error)
    }
  })
  return async (run) => {
    try {
      return await retrying.execute(() => run())
    } catch (error) {
      throw error instanceof OnRetryThrew ? error.thrown : toStoreError(error)
    }
  }
}

/** What the caller's `onRetry` threw: it reaches the caller as thrown, not as a store_error. */
class OnRetryThrew {
  readonly thrown: unknown
  constructor(thrown: unknown) {
    this.thrown = thrown
  }
}
