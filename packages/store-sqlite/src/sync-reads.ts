import type { SyncReads } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { isBusy, toStoreError } from './sqlite-dialect.js'
import type { StatementCache } from './statement-cache.js'

/**
 * The engine's small reads run at once on the store's connection, without Kysely's connection
 * mutex and its promises, when no transaction is open on it: in autocommit a read is its own
 * read transaction (in WAL it sees the last commit and blocks no writer). While a transaction
 * is open (a write, a snapshot, a migration) the connection would show its uncommitted rows,
 * so the read is handed back (undefined) to go through Kysely and wait for it; so is a read
 * SQLite answers SQLITE_BUSY (the dialect waits that out asynchronously).
 */
export function syncReads(raw: BetterSqlite3.Database, cache: StatementCache): SyncReads {
  return {
    read(sql, parameters) {
      if (raw.inTransaction) return undefined
      let statement: BetterSqlite3.Statement
      try {
        statement = cache.prepare(sql) as unknown as BetterSqlite3.Statement
      } catch (error) {
        throw toStoreError(error)
      }
      if (!statement.reader) throw new Error('syncReads: the statement does not read')
      try {
        return statement.all(parameters)
      } catch (error) {
        if (isBusy(error)) return undefined
        throw toStoreError(error)
      }
    },
  }
}
