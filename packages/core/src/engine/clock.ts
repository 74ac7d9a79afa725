import { PigeonholeError } from '../errors.js'
import type { Clock } from '../types.js'
import { describeValue } from '../validation/parse.js'

const expected = 'now() to return a whole number of ms since the epoch (0 to 9007199254740991)'

/**
 * The clock's time, checked: a safe non-negative integer, or `invalid_input` naming `clock`.
 * Times are stored as bigint ms; a string or NaN would be stored as null or fail one store.
 */
export function readClock(clock: Clock, where: string): number {
  let now: unknown
  try {
    now = clock.now()
  } catch (error) {
    throw clockError(
      where,
      `an error: ${error instanceof Error ? error.message : String(error)}`,
      error,
    )
  }
  if (typeof now === 'number' && Number.isSafeInteger(now) && now >= 0) return now
  throw clockError(where, describeValue(now))
}

function clockError(where: string, got: string, cause?: unknown): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `${where}: clock: expected ${expected}, got ${got}`,
    { field: 'clock', expected, got },
    cause === undefined ? undefined : { cause },
  )
}
