import { describe } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { describeRequestsFuzz } from './fuzz.js'

/** The Request protocol: its flows, validation codes, guards, expiry, and the fuzz test. */
export function describeRequests(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('requests', () => {
    void options
    describeRequestsFuzz(options)
  })
}
