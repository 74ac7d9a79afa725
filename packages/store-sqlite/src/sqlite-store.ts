import type { Database as DatabaseSchema, Store } from '@pigeonhole/core'
import { PigeonholeError } from '@pigeonhole/core'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely } from 'kysely'
import { dataVersionFeed } from './data-version-feed.js'
import { PigeonholeSqliteDialect, toStoreError } from './sqlite-dialect.js'
import { StatementCache } from './statement-cache.js'

/** How much a commit survives. */
export type Durability = 'normal' | 'full'

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a store that lives as long as the process. */
  path: string
  /**
   * 'normal' (default): WAL with synchronous=NORMAL. A commit survives the process crashing or
   * being killed; after a power loss or OS crash the last commits may be lost, never corrupted.
   * 'full': synchronous=FULL, every commit is fsynced: it also survives power loss; slower.
   */
  durability?: Durability
  /** How long a writer waits for another connection's lock before failing, in ms. Default: 5000. */
  busyTimeoutMs?: number
  /** Prepared statements kept for reuse. Default: 200. */
  statementCacheSize?: number
  /**
   * How often, in ms, an engine checks whether another connection (another engine on the same
   * file) committed, so it emits those events too: one `PRAGMA data_version` per tick.
   * 1 to 60000. Default: 250. No timer for ':memory:' (no other connection can see it).
   */
  pollIntervalMs?: number
}

/** The embedded default store: one better-sqlite3 connection, WAL, prepared statements reused. */
export function sqliteStore(options: SqliteStoreOptions): Store {
  const path = options?.path
  if (typeof path !== 'string' || path.length === 0) {
    throw new PigeonholeError(
      'invalid_input',
      `sqliteStore: path: expected a file path or ':memory:', got ${JSON.stringify(path)}`,
      {
        field: 'path',
      },
    )
  }
  const durability = options.durability ?? 'normal'
  if (durability !== 'normal' && durability !== 'full') {
    throw new PigeonholeError(
      'invalid_input',
      `sqliteStore: durability: expected 'normal' or 'full', got ${JSON.stringify(durability)}`,
      {
        field: 'durability',
      },
    )
  }
  const busyTimeoutMs = wholeNumber('busyTimeoutMs', options.busyTimeoutMs ?? 5000)
  const statementCacheSize = wholeNumber('statementCacheSize', options.statementCacheSize ?? 200)
  const pollIntervalMs = wholeNumber('pollIntervalMs', options.pollIntervalMs ?? 250, 1, 60_000)
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

/** A whole number from `min` to `max`, or invalid_input naming the option. */
function wholeNumber(
  field: string,
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) {
    return value
  }
  const expected =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number ≥ ${min}`
      : `a whole number from ${min} to ${max}`
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value)
  throw new PigeonholeError(
    'invalid_input',
    `sqliteStore: ${field}: expected ${expected}, got ${got}`,
    { field, expected, got },
  )
}
