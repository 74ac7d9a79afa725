import type { Clock } from '../types.js'

/**
 * A clock that moves only when told: give the same one to the engines (`openPigeonhole({
 * clock })`) and to `memoryNetwork({ clock })`, and retries, leases, expiries and the
 * network's delays all run on it without real sleeps. `memoryNetwork().settle()` and
 * `advance(ms)` move it; a test may `tick` it too.
 */
export class ManualClock implements Clock {
  #now: number

  /** Starts at `start` ms since the epoch (default 1000000). */
  constructor(start = 1_000_000) {
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new RangeError(`ManualClock: start must be a whole number of ms >= 0, got ${start}`)
    }
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Moves time forward by `ms` (default 1; never back) and returns the new time. */
  tick(ms = 1): number {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`ManualClock.tick: ms must be a whole number >= 0, got ${ms}`)
    }
    this.#now += ms
    return this.#now
  }
}
