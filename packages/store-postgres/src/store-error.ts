import { isPigeonholeError, PigeonholeError } from '@pigeonhole/core'

/** SQLSTATEs after which the whole transaction may simply run again. */
const retryable = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: a concurrent insert of the same key; the next try finds it
])

/** The SQLSTATE of a driver error, or of the driver error a store_error wraps. */
export function sqlStateOf(error: unknown): string | undefined {
  const source = isPigeonholeError(error, 'store_error') ? error.cause : error
  const code = (source as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.length === 5 ? code : undefined
}

/** True when running the transaction again may succeed. */
export function isRetryable(error: unknown): boolean {
  const state = sqlStateOf(error)
  return state !== undefined && retryable.has(state)
}

/** Any failure of the driver or the server as a PigeonholeError; engine errors pass through. */
export function toStoreError(error: unknown): PigeonholeError {
  if (error instanceof PigeonholeError) return error
  const state = sqlStateOf(error)
  const message = error instanceof Error ? error.message : String(error)
  return new PigeonholeError(
    'store_error',
    `PostgreSQL: ${message}${state ? ` (SQLSTATE ${state})` : ''}`,
    state ? { sqlState: state } : {},
    { cause: error },
  )
}
