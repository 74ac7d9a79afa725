import { afterEach, beforeEach, expect } from 'vitest'
import { openPigeonhole, type Pigeonhole, type PigeonholeOptions } from '../../index.js'
import type { Store } from '../../store-port.js'
import type { Clock, IdGenerator } from '../../types.js'
import type { ConformanceOptions } from '../options.js'

/** A clock that moves only when a test moves it, so times are exact. */
export class TestClock implements Clock {
  #now: number

  constructor(start = 1_000_000) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Moves time forward by `ms` (default 1) and returns the new time. */
  tick(ms = 1): number {
    this.#now += ms
    return this.#now
  }
}

/** Ids from a counter: sortable, predictable, and a record of what was handed out. */
export class CountingIds implements IdGenerator {
  readonly issued: string[] = []
  #n = 0

  next(kind: string): string {
    this.#n += 1
    const id = `${kind}_${String(this.#n).padStart(8, '0')}`
    this.issued.push(id)
    return id
  }
}

export interface Engine {
  ph: Pigeonhole
  clock: TestClock
  ids: CountingIds
  /** The engine's store: for raw checks the engine does not offer (rows, stored bytes). */
  store: Store
}

export type EngineOverrides = Partial<Omit<PigeonholeOptions, 'store'>>

export interface Harness extends Engine {
  /** Opens one more engine on a fresh store; verified and closed after the test like the first. */
  open(overrides?: EngineOverrides): Promise<Engine>
}

/**
 * Gives every test of the calling `describe` its own engine on a fresh store, with an injected
 * clock and id counter. After each test, every engine it opened must verify clean; then all
 * are closed whatever happened.
 */
export function useEngine(options: ConformanceOptions, overrides: EngineOverrides = {}): Harness {
  let opened: Engine[] = []
  let current: Engine | undefined
  const open = async (more: EngineOverrides = {}): Promise<Engine> => {
    const clock = new TestClock()
    const ids = new CountingIds()
    const store = await options.openStore()
    const ph = await openPigeonhole({ store, clock, ids, ...overrides, ...more })
    const engine = { ph, clock, ids, store }
    opened.push(engine)
    return engine
  }
  beforeEach(async () => {
    current = await open()
  })
  afterEach(async () => {
    const engines = opened
    opened = []
    current = undefined
    try {
      for (const { ph } of engines) expect(await ph.verify()).toEqual([])
    } finally {
      await Promise.all(engines.map(({ ph }) => ph.close()))
    }
  })
  const now = () => {
    if (!current) throw new Error('useEngine: no engine outside a test')
    return current
  }
  return {
    get ph() {
      return now().ph
    },
    get clock() {
      return now().clock
    },
    get ids() {
      return now().ids
    },
    get store() {
      return now().store
    },
    open,
  }
}
