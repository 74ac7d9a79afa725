import {
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type PostgresDialectConfig,
  type PostgresPool,
  type TransactionSettings,
} from 'kysely'
import type pg from 'pg'
import { StoreConnection } from './store-connection.js'
import { toStoreError } from './store-error.js'

/**
 * Kysely's PostgresDialect with the store's own driver: every failure is a PigeonholeError,
 * never a raw pg error, and on a pipelining pool a transaction's BEGIN and the statements
 * core marks `resultUnused` go out without waiting (see `StoreConnection`).
 */
export class TranslatingPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig

  constructor(config: PostgresDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new StoreDriver(this.#config)
  }
}

class StoreDriver implements Driver {
  readonly #config: PostgresDialectConfig
  readonly #connections = new WeakMap<pg.PoolClient, StoreConnection>()
  #pool: PostgresPool | undefined

  constructor(config: PostgresDialectConfig) {
    this.#config = config
  }

  async init(): Promise<void> {
    const pool = this.#config.pool
    this.#pool = typeof pool === 'function' ? await translate(pool) : pool
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#pool
    if (!pool) throw toStoreError(new Error('the store is closed'))
    const client = (await translate(() => pool.connect())) as unknown as pg.PoolClient
    let connection = this.#connections.get(client)
    if (!connection) {
      connection = new StoreConnection(client)
      this.#connections.set(client, connection)
      // pg has no hook for a new connection: the driver runs it on first use.
      if (this.#config.onCreateConnection) {
        const created = connection
        await translate(() => this.#config.onCreateConnection!(created))
      }
    }
    return connection
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let sql = 'start transaction'
    if (settings.isolationLevel) sql += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) sql += ` ${settings.accessMode}`
    return translate(() => (connection as StoreConnection).begin(sql))
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return translate(() => (connection as StoreConnection).commit())
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return translate(() => (connection as StoreConnection).rollback())
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    ;(connection as StoreConnection).release()
  }

  async destroy(): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    if (pool) await translate(() => pool.end())
  }
}

async function translate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw toStoreError(error)
  }
}
