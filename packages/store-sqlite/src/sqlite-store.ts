import type { Database as DatabaseSchema, Store } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely } from 'kysely'
import { dataVersionFeed } from './data-version-feed.js'
import { type Durability, resolveOptions, type SqliteStoreOptions } from './options.js'
import { PigeonholeSqliteDialect, toStoreError } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'

/** The embedded default store: one better-sqlite3 connection, WAL, prepared statements reused. */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const { path, durability, busyTimeoutMs, statementCacheSize, pollIntervalMs } =
    resolveOptions(options)
  const raw = openDatabase(path, durability, busyTimeoutMs)
  const cache = new StatementCache(raw, statementCacheSize)
  const db = new Kysely<DatabaseSchema>({
    dialect: new PigeonholeSqliteDialect({ database: cache, busyTimeoutMs }),
  })
  const feed = path === ':memory:' ? undefined : dataVersionFeed(raw, pollIntervalMs)
  return {
    dialect: 'sqlite',
    db,
    capabilities: { singleWriter: true, maxParameters: 32766 },
    ...(feed && { events: feed }),
    transaction: (body) => db.transaction().execute(body),
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
