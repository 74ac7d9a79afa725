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
