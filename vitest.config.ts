import { availableParallelism } from 'node:os'
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
    // Locally the model-based and paging properties run 20 sequences unless FUZZ_RUNS says
    // otherwise; CI runs its own count (.ci/sizes.sh).
    env: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? '20' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core machine,
    // which ran every file one after the other. The PostgreSQL files mostly wait on the server,
    // so two run side by side well there (three were slower: measured).
    maxWorkers: Math.max(2, availableParallelism() - 1),
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
