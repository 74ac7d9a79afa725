import type { Kysely, QueryResult } from 'kysely'
import type { Dialect } from './db/dialect.js'
import type { Database } from './db/schema.js'
import type { PigeonholeEvent } from './types.js'

export type { Dialect } from './db/dialect.js'

/** Optional capabilities of a store. Each flag documents its default. */
export interface StoreCapabilities {
  /**
   * All writes go through one connection, so event cursors are assigned in commit order and
   * the engine may emit its own events straight after commit. Default: false (events are read
   * back from the event table instead).
   */
  readonly singleWriter?: boolean
  /** Largest number of bound parameters one statement may carry. Default: 999. */
  readonly maxParameters?: number
  /**
   * The store runs writers concurrently and needs `SELECT … FOR UPDATE` / `FOR KEY SHARE` to
   * serialize them where a change reads rows before writing. Default: false (writes do not
   * overlap, so reads are not locked).
   */
  readonly rowLocks?: boolean
  /**
   * Runs one statement synchronously on the connection of the open `transaction` (the engine
   * calls it only inside one, for its compiled hot-path statements). Default: absent (every
   * statement goes through `trx.executeQuery`).
   */
  readonly syncStatements?: SyncStatements
  /**
   * Runs a reading statement synchronously on the store's connection when no transaction is
   * open on it (the engine's small reads: counts, a page, one item). Default: absent (reads go
   * through `db.executeQuery`).
   */
  readonly syncReads?: SyncReads
  /**
   * Group commit: writes that queue while one is running are run together in one transaction,
   * each in its own SAVEPOINT (one that throws is rolled back alone), so one commit (one fsync)
   * serves them all; each resolves once that commit returned. Used only with `singleWriter`.
   * Default: false (one transaction per write).
   */
  readonly groupCommit?: boolean
}

/**
 * Set (to true) on a compiled statement whose result the engine does not read (the inserts of
 * a write). Inside a `transaction`, a store may send it without waiting for its answer and
 * return an empty result; a failure of it must then fail the transaction's next statement or
 * its commit. Stores that ignore it run the statement as any other.
 */
export const resultUnused: unique symbol = Symbol.for('pigeonhole.resultUnused')

/**
 * A store whose driver is synchronous (better-sqlite3) runs a write transaction's statements
 * without a promise each. `run` answers as Kysely's driver would (`rows` for a reader, else
 * `numAffectedRows` and `insertId`), throws store errors, and throws when no `transaction` of
 * the store is open.
 */
export interface SyncStatements {
  run(sql: string, parameters: readonly unknown[]): QueryResult<unknown>
}

/**
 * A store whose driver is synchronous (better-sqlite3) answers a read at once when its
 * connection is idle. `read` gives the rows, or undefined when it cannot run now (a
 * transaction is open on the connection, whose uncommitted rows the read must not see, or the
 * database is busy): the caller then runs the same statement through `db`, which waits its turn.
 * It throws store errors, and for a statement that does not read.
 */
export interface SyncReads {
  read(sql: string, parameters: readonly unknown[]): unknown[] | undefined
}

/**
 * How a store that several processes share makes events readable in cursor order and wakes
 * the other instances (PostgreSQL: cursors assigned after commit, LISTEN/NOTIFY).
 */
export interface StoreEventFeed {
  /**
   * After a commit that stored events: resolves once they are readable; never rejects. May
   * resolve with what the numbering round that served it made readable, which then saves the
   * engine reading them back. `transaction`: the one that committed (what its body was
   * given), when the engine knows it: the store may have numbered its events with its commit.
   */
  committed(transaction?: Kysely<Database>): Promise<NumberedEvents | undefined>
  /** Calls `wake` (with the newest cursor, when known) whenever events may be readable. */
  listen(wake: (cursor?: number) => void): Promise<() => Promise<void>>
}

/**
 * What one numbering round made readable: every event whose cursor is above `after` and at
 * most the last one's (or `after`, when none), in cursor order. Every event committed before
 * the round has a cursor up to there.
 */
export interface NumberedEvents {
  readonly after: number
  readonly events: readonly PigeonholeEvent[]
}

/** A function that runs inside one database transaction. */
export type TransactionBody<T> = (trx: Kysely<Database>) => Promise<T>

/** What a store gives core: a Kysely instance, a transaction runner, capabilities. */
export interface Store {
  /** The SQL family of this store. */
  readonly dialect: Dialect
  /** The Kysely instance every query of core runs through. */
  readonly db: Kysely<Database>
  /** Optional capabilities; absent flags take their documented defaults. */
  readonly capabilities: StoreCapabilities
  /** The database schema the tables live in, when the store names one (PostgreSQL). */
  readonly schema?: string
  /**
   * Wakes the engine when other connections commit (other instances, other engines on the same
   * file); without it, only this engine's commits make it read the event table.
   */
  readonly events?: StoreEventFeed
  /** Runs `body` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(body: TransactionBody<T>): Promise<T>
  /**
   * Runs `body` in a read-only transaction that sees one snapshot of the database: no commit
   * made meanwhile shows up half-way through. `verify()` reads through it. Default (absent):
   * `body` runs on `db` outside a transaction, so while writes run its reads may each see a
   * different moment.
   */
  snapshot?<T>(body: TransactionBody<T>): Promise<T>
  /** Checks the store's own integrity (for SQLite: PRAGMA integrity_check). Empty when ok. */
  integrityCheck?(): Promise<string[]>
  /** Releases connections and files. */
  close(): Promise<void>
}
