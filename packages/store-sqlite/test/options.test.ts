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
