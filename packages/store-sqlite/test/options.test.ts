import { isPigeonholeError } from '@pigeonhole/core'
import { expect, test } from 'vitest'
import { type SqliteStoreOptions, sqliteStore } from '../src/index.js'

const bad: [Partial<SqliteStoreOptions>, string, string][] = [
  [{ busyTimeoutMs: Number.NaN }, 'busyTimeoutMs', 'NaN'],
  [{ busyTimeoutMs: -1 }, 'busyTimeoutMs', '-1'],
  [{ busyTimeoutMs: 1.5 }, 'busyTimeoutMs', '1.5'],
  [{ statementCacheSize: 'x' as unknown as number }, 'statementCacheSize', '"x"'],
  [{ statementCacheSize: Number.POSITIVE_INFINITY }, 'statementCacheSize', 'Infinity'],
]

test.each(bad)('sqliteStore(%o) is invalid_input naming the option', (options, field, got) => {
  let error: unknown
  try {
    sqliteStore({ path: ':memory:', ...options })
  } catch (e) {
    error = e
  }
  expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
  expect((error as { details: unknown }).details).toEqual({
    field,
    expected: 'a whole number ≥ 0',
    got,
  })
  expect((error as Error).message).toContain(`${field}: expected a whole number ≥ 0, got ${got}`)
})

test('the defaults and zero are accepted', async () => {
  for (const options of [{}, { busyTimeoutMs: 0, statementCacheSize: 0 }]) {
    const store = sqliteStore({ path: ':memory:', ...options })
    await store.close()
  }
})

const badPoll: [unknown, string][] = [
  [0, '0'],
  [60_001, '60001'],
  [2.5, '2.5'],
  ['250', '"250"'],
]

test.each(badPoll)('pollIntervalMs %o is invalid_input: 1 to 60000 ms', (value, got) => {
  let error: unknown
  try {
    sqliteStore({ path: ':memory:', pollIntervalMs: value as number })
  } catch (e) {
    error = e
  }
  expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
  expect((error as { details: unknown }).details).toEqual({
    field: 'pollIntervalMs',
    expected: 'a whole number from 1 to 60000',
    got,
  })
})

test('pollIntervalMs at its bounds is accepted', async () => {
  for (const pollIntervalMs of [1, 60_000]) {
    await sqliteStore({ path: ':memory:', pollIntervalMs }).close()
  }
})
