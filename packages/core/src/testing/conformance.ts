import { describe } from 'vitest'
import type { Store } from '../store-port.js'
import { describeBehaviour } from './behaviour/index.js'
import { describeModel } from './model/index.js'

export interface ConformanceOptions {
  /** Shown in the test names, e.g. 'sqlite'. */
  name: string
  /** Opens a fresh, empty store; called once per test. The engine closes it. */
  openStore(): Store | Promise<Store>
  /** Runs of the model-based and property tests. Default: FUZZ_RUNS from the environment, else 100. */
  fuzzRuns?: number
}

/**
 * The store conformance suite: every behaviour of the engine, its error cases, the model-based
 * test and the paging property, against one store. A store package runs it from one test file.
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const fuzzRuns = options.fuzzRuns ?? (Number(process.env.FUZZ_RUNS) || 100)
  describe(`conformance: ${options.name}`, () => {
    describeBehaviour(options)
    describeModel({ ...options, fuzzRuns })
  })
}
