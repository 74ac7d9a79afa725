import type { Subscription } from 'rxjs'
import { openPigeonhole, type Pigeonhole, type PigeonholeOptions } from '../../engine.js'
import { PigeonholeError } from '../../errors.js'
import type { Clock, IdGenerator, PigeonholeEvent } from '../../types.js'
import type { ConformanceOptions } from '../options.js'

/** A clock that moves 1 ms per call, so every change has its own time and order is fixed. */
export function steppingClock(start = 1_700_000_000_000): Clock {
  let now = start
  return { now: () => now++ }
}

/** Increasing ids per kind (`msg_00000001`, ...): ties in createdAt sort in creation order. */
export function countingIds(): IdGenerator {
  const counters = new Map<string, number>()
  return {
    next(kind) {
      const n = (counters.get(kind) ?? 0) + 1
      counters.set(kind, n)
      return `${kind}_${String(n).padStart(8, '0')}`
    },
  }
}

/** An engine on a fresh store with the deterministic clock and ids, and every event it emits. */
export class EngineUnderTest {
  readonly ph: Pigeonhole
  readonly events: PigeonholeEvent[] = []
  readonly #subscription: Subscription
  #taken = 0
  #lastCursorTaken = 0

  private constructor(ph: Pigeonhole) {
    this.ph = ph
    this.#subscription = ph.events$.subscribe((e) => this.events.push(e))
  }

  static async open(
    options: ConformanceOptions,
    extra: Partial<PigeonholeOptions> = {},
  ): Promise<EngineUnderTest> {
    const ph = await openPigeonhole({
      ...extra,
      store: await options.openStore(),
      clock: steppingClock(),
      ids: countingIds(),
    })
    return new EngineUnderTest(ph)
  }

  /**
   * The events emitted since the last call. A store with several writers emits after a poll,
   * so wait (briefly) until `expected` have come; extra ones show up in the next call.
   */
  async take(expected: number): Promise<PigeonholeEvent[]> {
    for (let waited = 0; this.events.length - this.#taken < expected && waited < 5000; ) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      waited += 5
    }
    const out = this.events.slice(this.#taken)
    this.#taken = this.events.length
    this.#lastCursorTaken = out.at(-1)?.cursor ?? this.#lastCursorTaken
    return out
  }

  /** The cursor of the last event `take` returned (0 before any). */
  get lastCursorTaken(): number {
    return this.#lastCursorTaken
  }

  async close(): Promise<void> {
    this.#subscription.unsubscribe()
    await this.ph.close()
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string }

/** Runs a call and returns its value or its PigeonholeError code; anything else is a failure. */
export async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() }
  } catch (error) {
    if (error instanceof PigeonholeError) {
      return { ok: false, code: error.code, message: error.message }
    }
    throw error
  }
}
