import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isPigeonholeError, openPigeonhole } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { expect, test, vi } from 'vitest'
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

test('the defaults and zero are accepted: a store opened with them sends and reads back', async () => {
  for (const options of [{}, { busyTimeoutMs: 0, statementCacheSize: 0 }]) {
    const ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:', ...options }) })
    try {
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
      const sent = await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'hi' } })
      const page = await ph.messages.list({ owner: 'bob', box: 'inbox' })
      expect(
        page.items.map((item) => item.message.id),
        JSON.stringify(options),
      ).toEqual([sent.id])
      expect(page.items[0]?.message.content).toEqual({ text: 'hi' })
      expect(await ph.verify()).toEqual([])
    } finally {
      await ph.close()
    }
  }
})

test('statementCacheSize: 0 keeps no statement, the default reuses them', async () => {
  const prepare = vi.spyOn(BetterSqlite3.prototype, 'prepare')
  try {
    const preparedBySecondList = async (options: Partial<SqliteStoreOptions>) => {
      const ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:', ...options }) })
      try {
        await ph.accounts.register({ address: 'bob' })
        await ph.messages.list({ owner: 'bob' })
        prepare.mockClear()
        await ph.messages.list({ owner: 'bob' })
        return prepare.mock.calls.length
      } finally {
        await ph.close()
      }
    }
    expect(await preparedBySecondList({})).toBe(0)
    expect(await preparedBySecondList({ statementCacheSize: 0 })).toBeGreaterThan(0)
  } finally {
    prepare.mockRestore()
  }
})

test('busyTimeoutMs: 0 fails a blocked writer at once with store_error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-options-'))
  const path = join(dir, 'busy.db')
  const ph = await openPigeonhole({ store: sqliteStore({ path, busyTimeoutMs: 0 }) })
  const holder = new BetterSqlite3(path)
  try {
    await ph.accounts.register({ address: 'alice' })
    holder.exec('begin immediate')
    const started = Date.now()
    const error = await ph.messages
      .send({ from: 'alice', to: ['alice'], content: {} })
      .catch((e: unknown) => e)
    // No waiting: far below the 5000 ms default, with room for a slow machine.
    expect(Date.now() - started).toBeLessThan(1000)
    expect(isPigeonholeError(error, 'store_error')).toBe(true)
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_BUSY' })
  } finally {
    if (holder.inTransaction) holder.exec('rollback')
    holder.close()
    await ph.close()
    rmSync(dir, { recursive: true, force: true })
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
    'sqliteStore: journal: unknown option (known: path, durability, groupCommit, busyTimeoutMs, statementCacheSize, pollIntervalMs)',
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
