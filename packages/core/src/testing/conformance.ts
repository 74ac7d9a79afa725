import { describe } from 'vitest'
import type { Store } from '../store-port.js'
import { describeBehaviour } from './behaviour/index.js'
import { describeModelTest } from './model/model-test.js'
import { describePaging } from './model/paging-test.js'

/**
 * The parts of the suite: every behaviour and its error cases; the model-based test; the
 * paging property. A store may run them from separate test files (so they run in parallel);
 * together they must cover all three.
 */
export const conformanceAreas = ['behaviour', 'model', 'paging'] as const
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

/**
 * The store conformance suite: every behaviour of the engine, its error cases, the model-based
 * test and the paging property, against one store. A store package runs it from one test
 * file, or from one file per area (`areas`).
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const fuzzRuns = options.fuzzRuns ?? (Number(process.env.FUZZ_RUNS) || 100)
  const areas = new Set(options.areas ?? conformanceAreas)
  for (const area of areas) {
    if (!conformanceAreas.includes(area)) {
      throw new Error(
        `runConformanceSuite: areas: expected some of ${conformanceAreas}, got ${area}`,
      )
    }
  }
  describe(`conformance: ${options.name}`, () => {
    if (areas.has('behaviour')) describeBehaviour(options)
    if (areas.has('model')) describeModelTest({ ...options, fuzzRuns })
    if (areas.has('paging')) describePaging({ ...options, fuzzRuns })
  })
}
