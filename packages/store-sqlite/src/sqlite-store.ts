import type { Database as DatabaseSchema, Store, SyncStatements } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, Kysely } from 'kysely'
import { dataVersionFeed } from './data-version-feed.js'
import { type Durability, resolveOptions, type SqliteStoreOptions } from './options.js'
import { isBusy, PigeonholeSqliteDialect, toStoreError } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'
import { syncReads } from './sync-reads.js'

/** The embedded default store: one better-sqlite3 connection, WAL, prepared statements reused. */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const { path, durability, groupCommit, busyTimeoutMs, statementCacheSize, pollIntervalMs } =
    resolveOptions(options)
  const raw = openDatabase(path, durability, busyTimeoutMs)
  const cache = new StatementCache(raw, statementCacheSize)
  const db = new Kysely<DatabaseSchema>({
    dialect: new PigeonholeSqliteDialect({ database: cache, busyTimeoutMs }),
  })
  const begin = raw.prepare('begin immediate')
  const commit = raw.prepare('commit')
  const feed = path === ':memory:' ? undefined : dataVersionFeed(raw, pollIntervalMs)
  // Set while a `transaction` body runs: Kysely's connection mutex is held by it from BEGIN
  // IMMEDIATE to COMMIT, so no other query (list, counts, a snapshot) runs on the connection
  // meanwhile and a synchronous statement can only land in that transaction.
  let inTransaction = false
  const syncStatements: SyncStatements = {
    run(sql, parameters) {
      if (!inTransaction) throw new Error('syncStatements: no transaction is open')
      try {
        return runStatement(cache.prepare(sql) as unknown as BetterSqlite3.Statement, parameters)
      } catch (error) {
        throw toStoreError(error)
      }
    },
  }
  return {
    dialect: 'sqlite',
    db,
    capabilities: {
      singleWriter: true,
      maxParameters: 32766,
      syncStatements,
      syncReads: syncReads(raw, cache),
      groupCommit,
    },
    ...(feed && { events: feed }),
    // Kysely's connection (its mutex held until the body settles); BEGIN IMMEDIATE and COMMIT
    // synchronous, retried through the dialect's asynchronous busy wait when another
    // connection holds the lock (SQLite's own busy wait is off: it would block the thread).
    transaction: (body) =>
      db.connection().execute(async (trx) => {
        try {
          begin.run()
        } catch (error) {
          if (!isBusy(error)) throw toStoreError(error)
          await trx.executeQuery(beginImmediate)
        }
        inTransaction = true
        let result: Awaited<ReturnType<typeof body>>
        try {
          result = await body(trx)
        } catch (error) {
          inTransaction = false
          // The body's error is the one to report, even if SQLite already rolled back.
          await rollbackAfter(trx)
          throw error
        }
        inTransaction = false
        try {
          commit.run()
        } catch (error) {
          if (!isBusy(error)) {
            await rollbackAfter(trx)
            throw toStoreError(error)
          }
          try {
            await trx.executeQuery(commitQuery)
          } catch (error) {
            await rollbackAfter(trx)
            throw error
          }
        }
        return result
      }),
    // A deferred BEGIN (see sqlite-dialect.ts): one snapshot in WAL mode.
    snapshot: (body) => db.transaction().setAccessMode('read only').execute(body),
    async integrityCheck() {
      let rows: { integrity_check: string }[]
      try {
        rows = raw.pragma('integrity_check') as { integrity_check: string }[]
      } catch (error) {
        throw toStoreError(error)
      }
      return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
    },
    close: () => {
      feed?.close()
      return db.destroy()
    },
  }
}

const beginImmediate = CompiledQuery.raw('begin immediate')
const commitQuery = CompiledQuery.raw('commit')
const rollback = CompiledQuery.raw('rollback')

/** After a failed body or COMMIT: rolls back what is still open, keeping the first error. */
async function rollbackAfter(trx: Kysely<DatabaseSchema>): Promise<void> {
  try {
    await trx.executeQuery(rollback)
  } catch {
    // No transaction left open (SQLite rolled it back itself).
  }
}

/** One statement, answered as Kysely's SqliteDriver answers it. */
function runStatement(statement: BetterSqlite3.Statement, parameters: readonly unknown[]) {
  if (statement.reader) return { rows: statement.all(parameters) }
  const { changes, lastInsertRowid } = statement.run(parameters)
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
}

function openDatabase(path: string, durability: Durability, busyTimeoutMs: number) {
  let raw: BetterSqlite3.Database | undefined
  try {
    raw = new BetterSqlite3(path)
    raw.pragma('journal_mode = WAL')
    raw.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`)
    raw.pragma(`busy_timeout = ${busyTimeoutMs}`)
    raw.pragma('foreign_keys = ON')
    // From here on the store waits for other writers itself, without blocking the thread.
    raw.pragma('busy_timeout = 0')
    return raw
  } catch (error) {
    raw?.close()
    throw toStoreError(error)
  }
}
