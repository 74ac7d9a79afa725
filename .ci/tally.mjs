// The closing line CI reads, "N passed, N failed[, N skipped]", and an exit status that agrees
// with it: 1 exactly when "failed" is not 0. Everything that fails a run counts as failed:
//   - a failed test;
//   - a test file that failed outside its tests (an import error, a throwing afterAll);
//   - an error outside any test (an unhandled rejection: vitest exits 1, its JSON says success),
//     read from the run summary that test/reporters/run-summary-reporter.ts writes;
//   - a non-zero exit status of `npm test` that nothing above explains, and of the bench;
//   - a skipped or todo test that is not on the allow-list (.ci/allowed-skips.txt);
//   - PostgreSQL tests that did not all run (CI requires them).
//
// node .ci/tally.mjs [report.json] [--run run.json] [--test-status N] [--bench-status N]
//                    [--allowed-skips file] [--root dir]
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    run: { type: 'string' },
    'test-status': { type: 'string' },
    'bench-status': { type: 'string' },
    'allowed-skips': { type: 'string' },
    root: { type: 'string' },
  },
})
const root = resolve(values.root ?? resolve(dirname(fileURLToPath(import.meta.url)), '..'))
const reportPath = positionals[0] ?? resolve(root, '.vitest-report.json')
const runPath = values.run ?? resolve(root, '.vitest-run.json')
const allowedPath = values['allowed-skips'] ?? resolve(root, '.ci/allowed-skips.txt')

let passed = 0
let failed = 0
let skipped = 0
const fail = (why, count = 1) => {
  failed += count
  console.log(`FAILED: ${why}`)
}

const allowed = readAllowedSkips(allowedPath)
const report = readJson(reportPath, 'test report')
if (report) tallyReport(report)
const run = existsSync(runPath) ? readJson(runPath, 'run summary') : undefined
for (const error of run?.unhandledErrors ?? []) {
  fail(`error outside any test: ${error.name}: ${firstLine(error.message)}`)
}
const testStatus = status('test-status')
if (testStatus !== undefined && testStatus !== 0 && failed === 0) {
  fail(`npm test exited with ${testStatus}, and its report shows no failure`)
}
const benchStatus = status('bench-status')
if (benchStatus !== undefined && benchStatus !== 0) fail(`the bench exited with ${benchStatus}`)

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 ? 0 : 1)

function tallyReport(report) {
  let postgresRan = 0
  let postgresSkipped = 0
  let counted = 0
  for (const file of report.testResults ?? []) {
    const name = relative(root, file.name)
    const isPostgres = name.startsWith('packages/store-postgres/')
    const tests = file.assertionResults ?? []
    const failedTests = tests.filter((t) => t.status === 'failed').length
    if (file.message) {
      fail(`${name}: ${firstLine(file.message)}`)
      counted += 1
    } else if (file.status === 'failed' && failedTests === 0) {
      fail(`${name} failed outside its tests (a hook, or an error while loading it)`)
      counted += 1
    }
    for (const test of tests) {
      if (test.status === 'passed') passed += 1
      else if (test.status === 'failed') {
        // The first line of why, so a CI log that keeps only the tail still says it.
        const why = test.failureMessages?.[0]
        fail(`${name} > ${test.fullName}${why ? `: ${firstLine(why).slice(0, 300)}` : ''}`)
        counted += 1
      } else {
        skipped += 1
        if (isPostgres) postgresSkipped += 1
        else if (!allowed.has(`${name} > ${test.fullName}`)) {
          fail(
            `${name} > ${test.fullName} is ${test.status}, and not on ${relative(root, allowedPath)}`,
          )
          counted += 1
        }
      }
      if (isPostgres && (test.status === 'passed' || test.status === 'failed')) postgresRan += 1
    }
  }
  if (postgresRan === 0 || postgresSkipped > 0) {
    fail(
      `the PostgreSQL tests did not all run (${postgresRan} ran, ${postgresSkipped} skipped): CI requires them`,
      Math.max(1, postgresSkipped),
    )
    counted += 1
  }
  if (report.success === false && counted === 0) fail('the report says the run failed')
}

/** `file > full name` of each allowed skip; each line is `file > full name | reason`. */
function readAllowedSkips(path) {
  const keys = new Set()
  if (!existsSync(path)) return keys
  for (const [index, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const bar = line.lastIndexOf(' | ')
    const key = bar < 0 ? '' : line.slice(0, bar).trim()
    const reason = bar < 0 ? '' : line.slice(bar + 3).trim()
    if (!key.includes(' > ') || reason === '') {
      fail(`${relative(root, path)}:${index + 1}: expected "file > full test name | reason"`)
    } else keys.add(key)
  }
  return keys
}

function readJson(path, what) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    fail(`no ${what} at ${path}: ${error.message}`)
    return undefined
  }
}

function status(option) {
  const value = values[option]
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isInteger(n) ? n : 1
}

function firstLine(text) {
  return String(text).split('\n')[0]
}
