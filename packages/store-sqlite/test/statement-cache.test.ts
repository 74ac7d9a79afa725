import { openPigeonhole } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'
import { StatementCache } from '../src/statement-cache.js'

function fakeDb(): { db: BetterSqlite3.Database; prepared: string[] } {
  const prepared: string[] = []
  const db = {
    prepare: (sql: string) => {
      prepared.push(sql)
      return { sql }
    },
    close: () => {},
  }
  return { db: db as unknown as BetterSqlite3.Database, prepared }
}

test('keeps the most recently used statements, up to its size', () => {
  const { db, prepared } = fakeDb()
  const cache = new StatementCache(db, 2)
  const a = cache.prepare('a')
  cache.prepare('b')
  expect(cache.prepare('a')).toBe(a) // reused, and now the most recently used
  cache.prepare('c') // drops b, the least recently used
  cache.prepare('a')
  cache.prepare('b')
  expect(prepared).toEqual(['a', 'b', 'c', 'b'])
})

test('a size of 0 keeps none', () => {
  const { db, prepared } = fakeDb()
  const cache = new StatementCache(db, 0)
  cache.prepare('a')
  cache.prepare('a')
  expect(prepared).toEqual(['a', 'a'])
})

test('the largest size allowed (2^31 - 1) reserves nothing up front', async () => {
  const before = process.memoryUsage().arrayBuffers
  const ph = await openPigeonhole({
    store: sqliteStore({ path: ':memory:', statementCacheSize: 2 ** 31 - 1 }),
  })
  try {
    await ph.accounts.register({ address: 'alice' })
    await ph.accounts.register({ address: 'bob' })
    await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
    expect(await ph.boxes.counts('bob')).toMatchObject({ inbox: { total: 1, unread: 1 } })
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  } finally {
    await ph.close()
  }
})
