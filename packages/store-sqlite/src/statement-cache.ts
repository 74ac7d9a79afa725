import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * The slice of better-sqlite3 that Kysely's SqliteDialect uses, with `prepare` answered from
 * a cache: the hot paths (send, list, counts) compile their SQL once, not on every call.
 * Safe because Kysely's dialect runs one query at a time on the connection.
 */
export class StatementCache implements SqliteDatabase {
  readonly #db: BetterSqlite3.Database
  readonly #max: number
  readonly #statements = new Map<string, BetterSqlite3.Statement>()

  constructor(db: BetterSqlite3.Database, max: number) {
    this.#db = db
    this.#max = Math.max(0, max)
  }

  prepare(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql)
    if (statement) {
      // Most recently used goes last, so eviction drops the coldest.
      this.#statements.delete(sql)
    } else {
      statement = this.#db.prepare(sql)
    }
    if (this.#max > 0) {
      this.#statements.set(sql, statement)
      if (this.#statements.size > this.#max)
        this.#statements.delete(this.#statements.keys().next().value!)
    }
    return statement as unknown as SqliteStatement
  }

  close(): void {
    this.#statements.clear()
    this.#db.close()
  }
}
