import { describe } from 'vitest'
import { describeBehaviour } from './behaviour/index.js'
import { describeFaults } from './faults/delivery-property.js'
import { describeModelTest } from './model/model-test.js'
import { describePaging } from './model/paging-test.js'
import { type ConformanceOptions, conformanceAreas } from './options.js'
import { describeRequests } from './requests/index.js'

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
    if (areas.has('requests')) describeRequests({ ...options, fuzzRuns })
    if (areas.has('faults')) describeFaults({ ...options, fuzzRuns })
  })
}
