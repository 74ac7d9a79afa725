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
 * rows), with a jittered, doubling delay. Other failures, and the last one, surface as a
 * PigeonholeError (`store_error` with the cause); the engine's own errors pass through.
 */
export async function withRetry<T>(run: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error)) throw toStoreError(error)
      const ceiling = Math.min(maxDelayMs, policy.retryDelayMs * 2 ** (attempt - 1))
      // Full jitter: racing instances do not retry in lockstep.
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
      policy.onRetry({ attempt, sqlState: sqlStateOf(error)!, delayMs })
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
}
