import type { PostgresPool, PostgresPoolClient } from 'kysely'
import pg from 'pg'
import type { PostgresStoreOptions } from './options.js'

const INT8 = 20

/** int8 (bigint, count(*), cursors, times) as a number; Pigeonhole's values fit 2^53. */
const parseInt8 = (value: string): number => Number(value)

/** This pool's type parsers: int8 as a number, everything else as pg does by default. */
const int8AsNumber = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** The pool the store works through, as Kysely wants it, and how to open one more client. */
export interface StorePool {
  /** For Kysely: checks out clients; `end` ends the pool only when the store made it. */
  readonly kysely: PostgresPool
  /** The pg pool itself (the store's own, or the caller's). */
  readonly pg: pg.Pool
  /** Settings for a dedicated connection (LISTEN) to the same database. */
  readonly clientConfig: pg.ClientConfig
  /** True when the pool's connections do not start with the schema's search_path. */
  readonly setSearchPath: boolean
}

export function openPool(options: PostgresStoreOptions, schema: string): StorePool {
  if ('pool' in options && options.pool) {
    const pool = options.pool
    // A pool we did not make keeps its global settings; each client we use gets the parser.
    const prepared = new WeakSet<pg.PoolClient>()
    return {
      pg: pool,
      clientConfig: { ...(pool.options as pg.ClientConfig) },
      setSearchPath: true,
      kysely: {
        connect: async () => {
          const client = await pool.connect()
          if (!prepared.has(client)) {
            client.setTypeParser(INT8, 'text', parseInt8)
            prepared.add(client)
          }
          return client as unknown as PostgresPoolClient
        },
        end: async () => {},
      },
    }
  }
  const { connectionString } = options as { connectionString: string; poolSize?: number }
  const poolSize = (options as { poolSize?: number }).poolSize ?? 10
  // The search_path is a startup parameter: every connection has it, at no extra round trip.
  // Pipelining: a transaction's BEGIN and its inserts travel with the next statement waited
  // for (see store-connection.ts), not in a round trip each.
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    pipeline: true,
    types: int8AsNumber,
    options: `-c search_path="${schema}"`,
  })
  // An idle client that loses its server is dropped by the pool; without a listener the
  // 'error' event would crash the process.
  pool.on('error', () => {})
  return {
    pg: pool,
    clientConfig: { connectionString },
    setSearchPath: false,
    kysely: {
      connect: () => pool.connect() as unknown as Promise<PostgresPoolClient>,
      end: () => pool.end(),
    },
  }
}
