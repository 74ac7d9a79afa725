import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { LRUCache } from 'lru-cache'

/**
 * The slice of better-sqlite3 that Kysely's SqliteDialect uses, with `prepare` answered from
 * a cache: the hot paths (send, list, counts) compile their SQL once, not on every call.
 * Safe because Kysely's dialect runs one query at a time on the connection.
 */
export class StatementCache implements SqliteDatabase {
  readonly #db: BetterSqlite3.Database
  /** Least recently used dropped first; none kept when the size is 0. */
  readonly #statements: LRUCache<string, BetterSqlite3.Statement> | undefined

  constructor(db: BetterSqlite3.Database, max: number) {
    this.#db = db
    // `maxSize` counting 1 a statement, not `max`: lru-cache allocates `max` slots up front,
    // and the option allows up to 2^31 - 1.
    this.#statements =
      max > 0 ? new LRUCache({ maxSize: max, sizeCalculation: () => 1 }) : undefined
  }

  prepare(sql: string): SqliteStatement {
    const statements = this.#statements
    let statement = statements?.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      statements?.set(sql, statement)
    }
    return statement as unknown as SqliteStatement
  }

  close(): void {
    this.#statements?.clear()
    this.#db.close()
  }
}
