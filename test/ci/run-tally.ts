import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const tally = fileURLToPath(new URL('../../.ci/tally.mjs', import.meta.url))

export interface Assertion {
  fullName: string
  status: 'passed' | 'failed' | 'skipped' | 'todo' | 'pending'
  /** What vitest reports for a failed test; default none. */
  failureMessages?: string[]
}

export interface FileResult {
  /** Relative to the repository root, e.g. 'packages/core/test/a.test.ts'. */
  name: string
  status?: 'passed' | 'failed'
  message?: string
  tests: Assertion[]
}

export interface TallyInput {
  files: FileResult[]
  /** The report's `success`; by default what vitest would say from the files. */
  success?: boolean
  unhandledErrors?: { name: string; message: string }[]
  testStatus?: number
  benchStatus?: number
  allowedSkips?: string
  /** Leave the report out, as when vitest never wrote one. */
  noReport?: boolean
}

/** A PostgreSQL file whose tests all ran and passed, as CI requires. */
export const postgresFile: FileResult = {
  name: 'packages/store-postgres/test/conformance-behaviour.test.ts',
  tests: [{ fullName: 'store-postgres sends', status: 'passed' }],
}

/** Runs .ci/tally.mjs on a crafted vitest JSON report (and run summary, statuses). */
export function runTally(input: TallyInput): { status: number | null; out: string; last: string } {
  const root = mkdtempSync(join(tmpdir(), 'pigeonhole-tally-'))
  const testResults = input.files.map((f) => {
    const failedTest = f.tests.some((t) => t.status === 'failed')
    return {
      name: join(root, f.name),
      status: f.status ?? (failedTest || f.message ? 'failed' : 'passed'),
      message: f.message ?? '',
      assertionResults: f.tests.map((t) => ({ failureMessages: [], ...t, title: t.fullName })),
    }
  })
  const success = input.success ?? testResults.every((f) => f.status === 'passed')
  if (!input.noReport)
    writeFileSync(join(root, 'report.json'), JSON.stringify({ success, testResults }))
  const args = [tally, join(root, 'report.json'), '--root', root]
  if (input.unhandledErrors) {
    const run = { reason: 'failed', unhandledErrors: input.unhandledErrors }
    writeFileSync(join(root, 'run.json'), JSON.stringify(run))
    args.push('--run', join(root, 'run.json'))
  }
  if (input.allowedSkips !== undefined) {
    writeFileSync(join(root, 'allowed-skips.txt'), input.allowedSkips)
    args.push('--allowed-skips', join(root, 'allowed-skips.txt'))
  }
  if (input.testStatus !== undefined) args.push('--test-status', String(input.testStatus))
  if (input.benchStatus !== undefined) args.push('--bench-status', String(input.benchStatus))
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' })
  const out = `${result.stdout}${result.stderr}`
  const lines = result.stdout.trim().split('\n')
  return { status: result.status, out, last: lines[lines.length - 1] ?? '' }
}
