import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { ProgressReporter } from './test/reporters/progress-reporter.js'
import { RunSummaryReporter } from './test/reporters/run-summary-reporter.js'

// One configuration for every package: tests run against the sources (the `source` export
// condition), so no build is needed before `npm test`.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file as it finishes, with a count and the time so far (in CI logs too); the JSON
    // report and the run summary (errors outside tests) feed .ci/tally.mjs.
    reporters: [
      'default',
      new ProgressReporter(),
      'json',
      new RunSummaryReporter(fileURLToPath(new URL('.vitest-run.json', import.meta.url))),
    ],
    outputFile: { json: '.vitest-report.json' },
  },
})
