import { writeFileSync } from 'node:fs'
import type { SerializedError } from 'vitest'
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node'

/**
 * Writes what vitest's JSON report leaves out: the errors outside any test (an unhandled
 * rejection, an uncaught exception) and why the run ended. Vitest fails the run for them,
 * while its JSON report still says success; .ci/tally.mjs counts them from this file.
 */
export class RunSummaryReporter implements Reporter {
  readonly #path: string

  constructor(path: string) {
    this.#path = path
  }

  onTestRunEnd(
    _modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const errors = unhandledErrors.map((e) => ({
      name: e.name ?? 'Error',
      message: e.message ?? String(e),
    }))
    writeFileSync(this.#path, `${JSON.stringify({ reason, unhandledErrors: errors }, null, 2)}\n`)
  }
}
