// Reads vitest's JSON report, fails when the PostgreSQL tests did not run, and prints the
// closing line CI reads: "N passed, N failed".
import { readFileSync } from 'node:fs'

const path = process.argv[2] ?? '.vitest-report.json'
let report
try {
  report = JSON.parse(readFileSync(path, 'utf8'))
} catch (error) {
  console.log(`no test report at ${path}: ${error.message}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}
let passed = 0
let failed = 0
let skipped = 0
let postgresRan = 0
let postgresSkipped = 0
for (const file of report.testResults ?? []) {
  const isPostgres = file.name.includes('/packages/store-postgres/')
  if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'passed') passed += 1
    else if (test.status === 'failed') failed += 1
    else skipped += 1
    if (isPostgres) {
      if (test.status === 'passed' || test.status === 'failed') postgresRan += 1
      else postgresSkipped += 1
    }
  }
}
let ok = failed === 0 && report.success !== false
if (postgresRan === 0 || postgresSkipped > 0) {
  console.log(
    `the PostgreSQL tests did not all run (${postgresRan} ran, ${postgresSkipped} skipped): CI requires them`,
  )
  ok = false
  failed += Math.max(1, postgresSkipped)
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(ok ? 0 : 1)
