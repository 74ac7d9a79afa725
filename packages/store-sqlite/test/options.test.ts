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

const refused: [label: string, options: unknown, field: string, message: string][] = [
  [
    'a misspelled option',
    { path: ':memory:', busytimeoutMs: 5 },
    'busytimeoutMs',
    'sqliteStore: busytimeoutMs: unknown option, did you mean "busyTimeoutMs"?',
  ],
  [
    'an unknown option',
    { path: ':memory:', journal: 'wal' },
    'journal',
    'sqliteStore: journal: unknown option (known: path, durability, busyTimeoutMs, statementCacheSize, pollIntervalMs)',
  ],
  [
    'a busy timeout above 2^31 - 1 (SQLite takes a 32-bit int; Node timers too)',
    { path: ':memory:', busyTimeoutMs: 2 ** 31 },
    'busyTimeoutMs',
    'sqliteStore: busyTimeoutMs: expected a whole number ≤ 2147483647, got 2147483648',
  ],
  [
    'a poll interval of 0',
    { path: ':memory:', pollIntervalMs: 0 },
    'pollIntervalMs',
    'sqliteStore: pollIntervalMs: expected a positive integer, got 0',
  ],
  [
    'a poll interval above a minute',
    { path: ':memory:', pollIntervalMs: 60_001 },
    'pollIntervalMs',
    'sqliteStore: pollIntervalMs: expected a positive integer ≤ 60000, got 60001',
  ],
  [
    'a fractional poll interval',
    { path: ':memory:', pollIntervalMs: 2.5 },
    'pollIntervalMs',
    'sqliteStore: pollIntervalMs: expected a positive integer, got 2.5',
  ],
  [
    'a poll interval as a string',
    { path: ':memory:', pollIntervalMs: '250' },
    'pollIntervalMs',
    'sqliteStore: pollIntervalMs: expected a positive integer, got "250"',
  ],
  ['no options', undefined, 'options', 'sqliteStore: options: expected an object, got nothing'],
  ['no path', {}, 'path', `sqliteStore: path: expected a file path or ':memory:', got nothing`],
  [
    'an unknown durability',
    { path: ':memory:', durability: 'extra' },
    'durability',
    'sqliteStore: durability: expected one of "normal", "full", got "extra"',
  ],
]

test.each(refused)('sqliteStore refuses %s, naming it', (_, options, field, message) => {
  let error: unknown
  try {
    sqliteStore(options as SqliteStoreOptions)
  } catch (e) {
    error = e
  }
  expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
  expect((error as Error).message).toBe(message)
  expect((error as { details: { field: string } }).details.field).toBe(field)
})

test('pollIntervalMs at its bounds is accepted', async () => {
  for (const pollIntervalMs of [1, 60_000]) {
    await sqliteStore({ path: ':memory:', pollIntervalMs }).close()
  }
})
