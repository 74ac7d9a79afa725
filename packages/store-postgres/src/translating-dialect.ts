import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import { sqlStateOf, toStoreError } from './store-error.js'

/** Kysely's PostgresDialect whose every failure is a PigeonholeError, never a raw pg error. */
export class TranslatingPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new TranslatingDriver(super.createDriver())
  }
}

class TranslatingDriver implements Driver {
  readonly #inner: Driver
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  readonly #inners = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(inner: Driver) {
    this.#inner = inner
  }

  init(): Promise<void> {
    return translate(() => this.#inner.init())
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await translate(() => this.#inner.acquireConnection())
    let outer = this.#wrapped.get(inner)
    if (!outer) {
      outer = new TranslatingConnection(inner)
      this.#wrapped.set(inner, outer)
      this.#inners.set(outer, inner)
    }
    return outer
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return translate(() => this.#inner.beginTransaction(this.#unwrap(connection), settings))
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return translate(() => this.#inner.commitTransaction(this.#unwrap(connection)))
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return translate(() => this.#inner.rollbackTransaction(this.#unwrap(connection)))
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#unwrap(connection))
  }

  destroy(): Promise<void> {
    return translate(() => this.#inner.destroy())
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#inners.get(connection) ?? connection
  }
}

class TranslatingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection

  constructor(inner: DatabaseConnection) {
    this.#inner = inner
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#inner.executeQuery<R>(query)
      } catch (error) {
        // Kysely's migrator lists the tables of every schema; a schema dropped meanwhile (by
        // another app, another test) fails that read-only listing with 3F000: list again.
        const listing = query.sql.includes('has_schema_privilege')
        if (!(listing && sqlStateOf(error) === '3F000' && attempt < 5)) throw toStoreError(error)
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(query, chunkSize)
  }
}

async function translate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toStoreError(error)
  }
}
