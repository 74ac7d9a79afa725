import { PigeonholeError } from '@pigeonhole/core'
import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { sqliteStore } from '../src/index.js'

function open() {
  const store = sqliteStore({ path: ':memory:' })
  const sync = store.capabilities.syncStatements
  if (!sync) throw new Error('sqliteStore has syncStatements')
  return { store, sync }
}

test('syncStatements run only inside a transaction', async () => {
  const { store, sync } = open()
  try {
    expect(() => sync.run('select 1', [])).toThrow(/no transaction is open/)
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key, y text)', [])
    })
    expect(() => sync.run('select * from t', [])).toThrow(/no transaction is open/)
  } finally {
    await store.close()
  }
})

test('answer as Kysely does; a read through Kysely waits for the commit; errors are store_error', async () => {
  const { store, sync } = open()
  try {
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key, y text)', [])
    })
    let read: Promise<unknown[]> | undefined
    let readDone = false
    await store.transaction(async (trx) => {
      const inserted = sync.run('insert into t (y) values (?), (?)', ['a', 'b'])
      expect(inserted).toEqual({ numAffectedRows: 2n, insertId: 2n, rows: [] })
      expect(sync.run('select y from t order by x', [])).toEqual({ rows: [{ y: 'a' }, { y: 'b' }] })
      // The transaction's own Kysely handle sees the rows too.
      expect((await sql`select count(*) as n from t`.execute(trx)).rows).toEqual([{ n: 2 }])
      // Another read on the store's connection must not run inside this open transaction.
      read = sql`select y from t`
        .execute(store.db)
        .then((r) => r.rows)
        .finally(() => {
          readDone = true
        })
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(readDone).toBe(false)
      const error = (() => {
        try {
          sync.run('insert into t (x, y) values (1, ?)', ['dup'])
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(PigeonholeError)
      expect((error as PigeonholeError).code).toBe('store_error')
    })
    expect(await read).toHaveLength(2)
  } finally {
    await store.close()
  }
})

test('a body that throws rolls back what its synchronous statements wrote', async () => {
  const { store, sync } = open()
  try {
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key, y text)', [])
    })
    await expect(
      store.transaction(async () => {
        sync.run('insert into t (y) values (?)', ['gone'])
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    const { rows } = await sql`select count(*) as n from t`.execute(store.db)
    expect(rows).toEqual([{ n: 0 }])
  } finally {
    await store.close()
  }
})

test("a failing body's own error reaches the caller even when SQLite already rolled back", async () => {
  const { store, sync } = open()
  try {
    await store.transaction(async () => {
      sync.run('create table t (x integer primary key)', [])
    })
    const boom = new Error('boom')
    const error = await store
      .transaction(async () => {
        sync.run('insert into t (x) values (1)', [])
        // What SQLite does itself on some errors (SQLITE_FULL, SQLITE_IOERR): no transaction left.
        sync.run('rollback', [])
        throw boom
      })
      .catch((e: unknown) => e)
    expect(error).toBe(boom)
    // The connection works on, and nothing of the failed body stayed.
    await store.transaction(async () => {
      expect(sync.run('select count(*) as n from t', [])).toEqual({ rows: [{ n: 0 }] })
    })
  } finally {
    await store.close()
  }
})
