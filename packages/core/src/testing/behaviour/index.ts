import type { ConformanceOptions } from '../conformance.js'

export function describeBehaviour(_options: ConformanceOptions): void {}
