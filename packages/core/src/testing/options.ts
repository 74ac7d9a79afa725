import type { Store } from '../store-port.js'

/**
 * The parts of the suite: every behaviour and its error cases; the model-based test; the
 * paging property; the Request protocol (its behaviour and its fuzz test); delivery between two
 * engines under the memory network's faults (a property). A store may run them from separate test files (so they run in parallel);
 * together they must cover all of them.
 */
export const conformanceAreas = ['behaviour', 'model', 'paging', 'requests', 'faults'] as const
export type ConformanceArea = (typeof conformanceAreas)[number]

export interface ConformanceOptions {
  /** Shown in the test names, e.g. 'sqlite'. */
  name: string
  /** Opens a fresh, empty store; called once per test. The engine closes it. */
  openStore(): Store | Promise<Store>
  /** Runs of the model-based and property tests. Default: FUZZ_RUNS from the environment, else 100. */
  fuzzRuns?: number
  /** The areas this file runs. Default: all of `conformanceAreas`. */
  areas?: readonly ConformanceArea[]
}
