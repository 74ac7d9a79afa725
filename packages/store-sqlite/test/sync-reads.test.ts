import { openPigeonhole, PigeonholeError } from '@pigeonhole/core'
import { expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

function open() {
  const store = sqliteStore({ path: ':memory:' })
  const reads = store.capabilities.syncReads
  const sync = store.capabilities.syncStatements
  if (!reads || !sync) throw new Error('sqliteStore has syncReads and syncStatements')
  return { store, reads, sync }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('syncReads answer at once outside transactions and hand the read back inside one', async () => {
  const { store, reads, sync } = open()
  try {
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key, y text)', [])
      sync.run("insert into t (y) values ('a')", [])
    })
    expect(reads.read('select y from t where x = ?', [1])).toEqual([{ y: 'a' }])
    await store.transaction(async () => {
      sync.run("insert into t (y) values ('uncommitted')", [])
      // The open transaction's rows must not be read by anyone else: back to Kysely.
      expect(reads.read('select y from t', [])).toBeUndefined()
    })
    await store.snapshot!(async () => {
      expect(reads.read('select y from t', [])).toBeUndefined()
    })
    expect(reads.read('select count(*) as n from t', [])).toEqual([{ n: 2 }])
  } finally {
    await store.close()
  }
})

test('syncReads refuse a statement that writes, and report SQLite errors as store_error', async () => {
  const { store, reads } = open()
  try {
    expect(() => reads.read('create table u (x integer)', [])).toThrow(/does not read/)
    const error = (() => {
      try {
        reads.read('select * from missing', [])
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(PigeonholeError)
    expect((error as PigeonholeError).code).toBe('store_error')
    expect((error as PigeonholeError).message).toMatch(/no such table: missing/)
  } finally {
    await store.close()
  }
})

test('syncReads answer while a query of the connection is being streamed (no transaction is open)', async () => {
  const { store, reads, sync } = open()
  try {
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key)', [])
      sync.run('insert into t (x) values (1), (2), (3)', [])
    })
    const seen: (unknown[] | undefined)[] = []
    const stream = store.db
      .selectFrom('t' as never)
      .select('x' as never)
      .stream()
    for await (const _row of stream) seen.push(reads.read('select 1 as one', []))
    expect(seen).toEqual([[{ one: 1 }], [{ one: 1 }], [{ one: 1 }]])
    expect(reads.read('select 1 as one', [])).toEqual([{ one: 1 }])
  } finally {
    await store.close()
  }
})

test('a small read while a write transaction is open waits for it and sees only what it committed', async () => {
  const store = sqliteStore({ path: ':memory:' })
  const ph = await openPigeonhole({ store })
  try {
    await ph.accounts.register({ address: 'bob' })
    const sync = store.capabilities.syncStatements!
    let counted: Promise<unknown> | undefined
    let done = false
    await store.transaction(async () => {
      sync.run(
        "insert into box_counts (owner, box, total, unread) values ('bob', 'later', 5, 5)",
        [],
      )
      counted = ph.boxes.counts('bob').finally(() => {
        done = true
      })
      await sleep(20)
      expect(done).toBe(false)
    })
    expect(await counted).toEqual({
      inbox: { total: 0, unread: 0 },
      sent: { total: 0, unread: 0 },
      later: { total: 5, unread: 5 },
    })
  } finally {
    await ph.close()
  }
})
