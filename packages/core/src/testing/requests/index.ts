import { describe } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { describeCreateValidation } from './create-validation.js'
import { describeDecidersProcessors } from './deciders-processors.js'
import { describeDecisionValidation } from './decision-validation.js'
import { describeExpiry } from './expiry.js'
import { describeFlowAccept } from './flow-accept.js'
import { describeFlowReject } from './flow-reject.js'
import { describeRequestsFuzz } from './fuzz.js'
import { describeRequestList } from './list.js'
import { describeSendGuards } from './send-guards.js'

/** The Request protocol: its flows, validation codes, guards, expiry, and the fuzz test. */
export function describeRequests(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('requests', () => {
    // The behaviour: one concern per file.
    describeFlowAccept(options)
    describeFlowReject(options)
    describeDecisionValidation(options)
    describeCreateValidation(options)
    describeSendGuards(options)
    describeExpiry(options)
    describeDecidersProcessors(options)
    describeRequestList(options)

    // The fuzz test (fuzz.ts, describeRequestsFuzz) goes here, with options.fuzzRuns.
    describeRequestsFuzz(options)
  })
}
