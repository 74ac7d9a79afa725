import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { type FileResult, postgresFile, runTally } from './run-tally.js'

const core = 'packages/core/test/a.test.ts'
const passing: FileResult = { name: core, tests: [{ fullName: 'a works', status: 'passed' }] }

describe('.ci/tally.mjs: the closing line agrees with the exit status', () => {
  test('a clean run passes', () => {
    const r = runTally({ files: [passing, postgresFile], testStatus: 0, benchStatus: 0 })
    expect(r.last).toBe('2 passed, 0 failed')
    expect(r.status).toBe(0)
  })

  test('a failed test is counted', () => {
    const file = { name: core, tests: [{ fullName: 'a breaks', status: 'failed' as const }] }
    const r = runTally({ files: [file, postgresFile], testStatus: 1, benchStatus: 0 })
    expect(r.last).toBe('1 passed, 1 failed')
    expect(r.status).toBe(1)
  })

  test("a failed test's line names the first line of why it failed", () => {
    const why = 'AssertionError: expected 1 to be 2\n    at somewhere.ts:1:1'
    const tests = [{ fullName: 'a breaks', status: 'failed' as const, failureMessages: [why] }]
    const r = runTally({ files: [{ name: core, tests }, postgresFile], testStatus: 1 })
    expect(r.out).toContain(`FAILED: ${core} > a breaks: AssertionError: expected 1 to be 2\n`)
    expect(r.out).not.toContain('somewhere.ts')
  })

  test('an unhandled rejection (vitest exits 1, its JSON says success) is a failure', () => {
    const r = runTally({
      files: [passing, postgresFile],
      success: true,
      unhandledErrors: [{ name: 'Error', message: 'leaked' }],
      testStatus: 1,
      benchStatus: 0,
    })
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.out).toContain('leaked')
    expect(r.status).toBe(1)
  })

  test('a non-zero npm test status that the report does not explain is a failure', () => {
    const r = runTally({ files: [passing, postgresFile], success: true, testStatus: 1 })
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.status).toBe(1)
  })

  test('an afterAll that throws in a file whose tests pass is a failure', () => {
    const file: FileResult = { ...passing, status: 'failed', message: 'afterAll threw' }
    const r = runTally({ files: [file, postgresFile], testStatus: 1, benchStatus: 0 })
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.out).toContain('afterAll threw')
    expect(r.status).toBe(1)
  })

  test('a file failed without a message (a describe-level afterAll) is a failure', () => {
    const file: FileResult = { ...passing, status: 'failed' }
    const r = runTally({ files: [file, postgresFile], testStatus: 1, benchStatus: 0 })
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.status).toBe(1)
  })

  test('a file that failed to load is a failure', () => {
    const file: FileResult = { name: core, status: 'failed', message: 'import failed', tests: [] }
    const r = runTally({ files: [file, postgresFile], testStatus: 1, benchStatus: 0 })
    expect(r.last).toBe('1 passed, 1 failed')
    expect(r.status).toBe(1)
  })

  test('a failing quick bench is a failure', () => {
    const r = runTally({ files: [passing, postgresFile], testStatus: 0, benchStatus: 1 })
    expect(r.last).toBe('2 passed, 1 failed')
    expect(r.status).toBe(1)
  })

  test('a missing report is a failure', () => {
    const r = runTally({ files: [], noReport: true, testStatus: 1 })
    expect(r.status).toBe(1)
    expect(r.last).toMatch(/^0 passed, [1-9]\d* failed$/)
  })

  test('PostgreSQL tests that did not run fail CI', () => {
    const skipped: FileResult = {
      ...postgresFile,
      tests: [{ fullName: 'store-postgres sends', status: 'skipped' }],
    }
    const r = runTally({ files: [passing, skipped], testStatus: 0, benchStatus: 0 })
    expect(r.last).toBe('1 passed, 1 failed, 1 skipped')
    expect(r.status).toBe(1)
  })
})

describe('.ci/tally.mjs: skips', () => {
  const withSkips: FileResult = {
    name: core,
    tests: [
      { fullName: 'a works', status: 'passed' },
      { fullName: 'a later', status: 'skipped' },
      { fullName: 'a someday', status: 'todo' },
    ],
  }

  test('a skipped or todo test outside PostgreSQL fails CI', () => {
    const r = runTally({ files: [withSkips, postgresFile], testStatus: 0, benchStatus: 0 })
    expect(r.last).toBe('2 passed, 2 failed, 2 skipped')
    expect(r.out).toContain(`${core} > a later`)
    expect(r.status).toBe(1)
  })

  test('an empty allow-list allows nothing', () => {
    const allowedSkips = '# nothing is allowed\n\n'
    const r = runTally({ files: [withSkips, postgresFile], allowedSkips, testStatus: 0 })
    expect(r.last).toBe('2 passed, 2 failed, 2 skipped')
    expect(r.status).toBe(1)
  })

  test('skips on the allow-list, each with a reason, pass', () => {
    const allowedSkips = [
      '# allowed',
      `${core} > a later | waits for the consent facade`,
      `${core} > a someday | planned`,
    ].join('\n')
    const r = runTally({ files: [withSkips, postgresFile], allowedSkips, testStatus: 0 })
    expect(r.last).toBe('2 passed, 0 failed, 2 skipped')
    expect(r.status).toBe(0)
  })

  test('an allow-list line without a reason is refused', () => {
    const allowedSkips = `${core} > a later\n${core} > a someday | planned\n`
    const r = runTally({ files: [withSkips, postgresFile], allowedSkips, testStatus: 0 })
    expect(r.status).toBe(1)
    expect(r.last).toBe('2 passed, 2 failed, 2 skipped')
  })

  test('an allowed skip of a PostgreSQL test still fails CI', () => {
    const skipped: FileResult = {
      ...postgresFile,
      tests: [{ fullName: 'store-postgres sends', status: 'skipped' }],
    }
    const allowedSkips = `${skipped.name} > store-postgres sends | no server\n`
    const r = runTally({ files: [passing, skipped], allowedSkips, testStatus: 0 })
    expect(r.status).toBe(1)
  })
})

test('the repository allow-list is well-formed', () => {
  const allowedSkips = readFileSync(new URL('../../.ci/allowed-skips.txt', import.meta.url), 'utf8')
  const r = runTally({ files: [passing, postgresFile], allowedSkips, testStatus: 0 })
  expect(r.status).toBe(0)
  expect(r.out).not.toContain('allowed-skips.txt:')
})
