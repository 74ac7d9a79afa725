import type { ConformanceOptions } from '../conformance.js'
import { describeModelTest } from './model-test.js'
import { describePaging } from './paging-test.js'

/** The model-based test and the paging property, against one store. */
export function describeModel(options: ConformanceOptions & { fuzzRuns: number }): void {
  describeModelTest(options)
  describePaging(options)
}
