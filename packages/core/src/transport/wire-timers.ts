/** A clock the network can move: `ManualClock`, the conformance suite's `TestClock`, yours. */
export interface SteppableClock {
  now(): number
  /** Moves time forward by `ms`. */
  tick(ms: number): unknown
}

interface Timer {
  at: number
  seq: number
  fire: () => void
}

/**
 * The network's sleeps. On a manual clock: a queue in time order (ties in the order they
 * were set) that fires only when the network moves the clock (`settle`, `advance`); without
 * one, real `setTimeout`s. A sleep of 0 ms is a macrotask either way.
 */
export class WireTimers {
  readonly clock: SteppableClock | undefined
  readonly #queue: Timer[] = []
  #seq = 0
  #real = 0

  constructor(clock: SteppableClock | undefined) {
    this.clock = clock
  }

  now(): number {
    return this.clock ? this.clock.now() : Date.now()
  }

  /** Sleeping sleeps (manual clock: queued; real time: pending setTimeouts). */
  get pending(): number {
    return this.#queue.length + this.#real
  }

  /** The time of the next queued sleep on the manual clock. */
  get next(): number | undefined {
    return this.#queue[0]?.at
  }

  /** Resolves at `at` (a time of `now()`); at once (a macrotask) when that is not later. */
  until(at: number): Promise<void> {
    const now = this.now()
    if (at <= now) return macrotask()
    if (!this.clock) {
      this.#real++
      return new Promise((resolve) =>
        setTimeout(() => {
          this.#real--
          resolve()
        }, at - now),
      )
    }
    return new Promise((fire) => {
      const timer = { at, seq: this.#seq++, fire }
      let i = this.#queue.length
      while (i > 0 && this.#queue[i - 1]!.at > at) i--
      this.#queue.splice(i, 0, timer)
    })
  }

  /** Fires the queued sleeps that are due by the clock; returns how many. */
  fireDue(): number {
    const now = this.now()
    let fired = 0
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) {
      this.#queue.shift()!.fire()
      fired++
    }
    return fired
  }
}

/** A macrotask: what a wire takes at least. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
