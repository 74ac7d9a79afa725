import { createHash } from 'node:crypto'
import type { Database as DatabaseSchema, Store } from '@pigeonhole/core'
import { CompiledQuery, Kysely } from 'kysely'
import type pg from 'pg'
import { eventFeed } from './event-feed.js'
import { type PostgresStoreOptions, resolveOptions } from './options.js'
import { openPool } from './pool.js'
import { transactionRetry } from './retry.js'
import { TranslatingPostgresDialect } from './translating-dialect.js'

/** The PostgreSQL store, with what tests and operators may want to look at. */
export interface PostgresStore extends Store {
  readonly dialect: 'postgres'
  readonly schema: string
  /** The pg pool the store works through. */
  readonly pool: pg.Pool
  /** The NOTIFY channel of this schema. */
  readonly channel: string
  /** The server process id of the LISTEN connection, while connected. */
  readonly listenerProcessId: number | undefined
}

/** PostgreSQL's limit of bound parameters in one statement. */
const maxParameters = 65_535

/**
 * A store on PostgreSQL for one or many app instances sharing a database. Migrations run on
 * open under an advisory lock; every instance sees every event once, in cursor order.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const resolved = resolveOptions(options)
  const { schema } = resolved
  const pool = openPool(options, schema)
  const searchPath = CompiledQuery.raw(`set search_path to "${schema}"`)
  const db = new Kysely<DatabaseSchema>({
    dialect: new TranslatingPostgresDialect({
      pool: pool.kysely,
      ...(pool.setSearchPath && {
        onCreateConnection: async (connection) => {
          await connection.executeQuery(searchPath)
        },
      }),
    }),
  })
  const channel = channelOf(schema)
  const feed = eventFeed({ pool: pool.pg, clientConfig: pool.clientConfig, resolved, channel })
  const withRetry = transactionRetry(resolved)
  let closing: Promise<void> | undefined
  return {
    dialect: 'postgres',
    db,
    schema,
    pool: pool.pg,
    channel,
    capabilities: { singleWriter: false, maxParameters, rowLocks: true },
    events: feed,
    get listenerProcessId() {
      return feed.listenerProcessId
    },
    transaction: (body) =>
      withRetry(() =>
        db
          .transaction()
          .setIsolationLevel(resolved.isolation)
          .execute(async (trx) => {
            const value = await body(trx)
            // The numbering round rides behind the COMMIT when no other round runs.
            const carry = feed.carry(trx)
            if (carry) await trx.executeQuery(carry)
            return value
          }),
      ),
    // Repeatable read: every statement sees the snapshot taken at the first one.
    snapshot: (body) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(body),
    close: () => {
      closing ??= (async () => {
        await feed.close()
        await db.destroy()
      })()
      return closing
    },
  }
}

/** One NOTIFY channel per schema (at most 63 bytes, as identifiers are). */
function channelOf(schema: string): string {
  const channel = `pigeonhole:${schema}`
  if (channel.length <= 63) return channel
  return `pigeonhole:${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`
}
