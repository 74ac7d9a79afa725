import { PigeonholeError } from '@pigeonhole/core'
import { ExponentialBackoff, type IBackoff, noJitterGenerator } from 'cockatiel'
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from 'kysely'

/**
 * SQLite rolls DDL back like any other statement, but Kysely's SqliteAdapter says it cannot,
 * so its migrator would run each CREATE in its own autocommit. A process killed in the middle
 * of the first open then leaves half a schema that no later open can migrate ("table already
 * exists"). Saying so makes the migrator run the pending migrations in one transaction.
 */
class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

/** A failure of SQLite as a PigeonholeError; the engine's own errors pass through. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof PigeonholeError) return error
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  return new PigeonholeError(
    'store_error',
    `SQLite: ${message}${typeof code === 'string' ? ` (${code})` : ''}`,
    typeof code === 'string' ? { sqliteCode: code } : {},
    { cause: error },
  )
}

/** Waits between tries of a busy statement: 1 ms, doubling up to 20 ms, no jitter. */
const busyBackoff = new ExponentialBackoff({
  initialDelay: 1,
  maxDelay: 20,
  generator: noJitterGenerator,
})

/**
 * The connection, with driver errors turned into store_error and SQLITE_BUSY waited out
 * asynchronously, up to `busyTimeoutMs`: SQLite's own busy wait blocks the thread, so a second
 * engine in the same process would block the very engine that holds the lock. The
 * connection's `busy_timeout` is 0 once the file is open (see sqlite-store.ts).
 */
class WrappedConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection
  readonly #busyTimeoutMs: number

  constructor(inner: DatabaseConnection, busyTimeoutMs: number) {
    this.#inner = inner
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    let deadline = 0
    let wait: IBackoff<unknown> | undefined
    for (;;) {
      try {
        return await this.#inner.executeQuery<R>(query)
      } catch (error) {
        if (!isBusy(error)) throw toStoreError(error)
        deadline ||= Date.now() + this.#busyTimeoutMs
        if (Date.now() >= deadline) throw toStoreError(error)
        wait = wait ? wait.next(undefined) : busyBackoff.next()
        const { duration } = wait
        await new Promise((resolve) => setTimeout(resolve, duration))
      }
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.#inner.streamQuery<R>(query, chunkSize)
    } catch (error) {
      throw toStoreError(error)
    }
  }
}

/**
 * BEGIN IMMEDIATE: a deferred BEGIN that reads first and then writes cannot wait for another
 * connection's write lock (SQLite answers SQLITE_BUSY at once to avoid a deadlock); taking the
 * write lock up front lets the (asynchronous) busy wait serialize two engines on one file.
 * A read-only transaction (the store's `snapshot`) never writes: a deferred BEGIN, which in
 * WAL mode reads one snapshot from its first read to its end and blocks no writer.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #busyTimeoutMs: number
  #wrapped: WrappedConnection | undefined

  constructor(config: SqliteDialectConfig, busyTimeoutMs: number) {
    super(config)
    this.#busyTimeoutMs = busyTimeoutMs
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection()
    this.#wrapped ??= new WrappedConnection(inner, this.#busyTimeoutMs)
    return this.#wrapped
  }

  override async beginTransaction(
    connection: DatabaseConnection,
    settings?: TransactionSettings,
  ): Promise<void> {
    await connection.executeQuery(settings?.accessMode === 'read only' ? beginRead : begin)
  }
}

const begin = CompiledQuery.raw('begin immediate')
const beginRead = CompiledQuery.raw('begin deferred')

/** Whether SQLite answered SQLITE_BUSY (another connection holds the lock). */
export function isBusy(error: unknown): boolean {
  const cause = error instanceof PigeonholeError ? error.cause : error
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

export class PigeonholeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig
  readonly #busyTimeoutMs: number

  constructor(config: SqliteDialectConfig & { busyTimeoutMs: number }) {
    const { busyTimeoutMs, ...rest } = config
    super(rest)
    this.#config = rest
    this.#busyTimeoutMs = busyTimeoutMs
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlAdapter()
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#busyTimeoutMs)
  }
}
