import type { ConformanceOptions } from '../conformance.js'

export function describeModel(_options: ConformanceOptions & { fuzzRuns: number }): void {}
