import {
  functionOption,
  integerOption,
  type PigeonholeError,
  parseOptions,
  withMethods,
} from '@pigeonhole/core'
import type { Pool } from 'pg'
import { z } from 'zod'

/** The isolation level of the engine's transactions. */
export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

/** One retry of a transaction that failed in a way a second try can fix. */
export interface RetryInfo {
  /** The attempt that failed (1 for the first). */
  attempt: number
  /** The SQLSTATE: 40001 serialization failure, 40P01 deadlock, 23505 unique violation. */
  sqlState: string
  /** How long the store waits before the next attempt. */
  delayMs: number
}

export interface PostgresStoreCommonOptions {
  /**
   * The schema the tables live in; created if missing. Every pooled connection's
   * search_path is set to it. Default: 'public'.
   */
  schema?: string
  /** Isolation of the engine's transactions. Default: 'read committed'. */
  isolation?: Isolation
  /**
   * Attempts of one transaction on serialization failures, deadlocks and unique violations
   * (a concurrent insert of the same key: the next attempt finds the winner's row). Default: 8.
   */
  maxAttempts?: number
  /** First retry delay in ms; doubles each time, with jitter, up to 250 ms. Default: 5. */
  retryDelayMs?: number
  /** Called before each retry (for logs and metrics). */
  onRetry?: (info: RetryInfo) => void
  /** LISTEN for other instances' events (a dedicated connection). Default: true. */
  listen?: boolean
  /** NOTIFY other instances after this one commits events. Default: true. */
  notify?: boolean
  /**
   * How often, in ms, the store checks for events without a wake-up: a NOTIFY lost with a
   * connection, events of an instance that crashed before numbering them. A whole number from
   * 1 to 2^31 - 1 (Node runs a longer timer after 1 ms). Default: 5000.
   */
  pollIntervalMs?: number
  /** First and largest delay, in ms, between attempts to re-open the listening connection. */
  reconnectDelayMs?: { min?: number; max?: number }
  /** Background failures (listening, numbering, notifying); the store retries them itself. */
  onError?: (error: PigeonholeError) => void
}

/** Either a connection string (the store makes and ends its own pool) or your `pg.Pool`. */
export type PostgresStoreOptions = PostgresStoreCommonOptions &
  (
    | {
        /** `postgres://user:password@host:port/database` */
        connectionString: string
        /** Connections in the store's pool (one more is used for LISTEN). Default: 10. */
        poolSize?: number
      }
    | {
        /**
         * A pool you made. It stays yours: `close()` does not end it. Give the store a pool of
         * its own: its connections get the store's search_path and parse int8 as numbers.
         */
        pool: Pool
      }
  )

/** The options with their defaults filled in and checked. */
export interface ResolvedOptions {
  schema: string
  isolation: Isolation
  maxAttempts: number
  retryDelayMs: number
  onRetry: (info: RetryInfo) => void
  listen: boolean
  notify: boolean
  pollIntervalMs: number
  reconnectMinMs: number
  reconnectMaxMs: number
  onError: (error: PigeonholeError) => void
}

const isolations = ['read committed', 'repeatable read', 'serializable'] as const

/**
 * The options, checked by core's one mechanism (`parseOptions`): unknown keys are refused,
 * naming the closest known one. Delays are at most 2^31 - 1 ms: Node runs a longer timer after
 * 1 ms (TimeoutOverflowWarning), which would poll the database without pause.
 */
const postgresOptions = z
  .strictObject({
    connectionString: z
      .custom<string>((v) => typeof v === 'string' && v.length > 0, {
        error: "a URL such as 'postgres://user@host:5432/db' (or give `pool`)",
      })
      .optional(),
    poolSize: integerOption(1).optional(),
    pool: withMethods<Pool>('a pg.Pool', 'connect').optional(),
    schema: z
      .custom<string>((v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v), {
        error: 'a name of letters, digits and _ (not starting with a digit, at most 63)',
      })
      .optional(),
    isolation: z.enum(isolations).optional(),
    maxAttempts: integerOption(1).optional(),
    retryDelayMs: integerOption(1).optional(),
    onRetry: functionOption<(info: RetryInfo) => void>().optional(),
    listen: z.boolean().optional(),
    notify: z.boolean().optional(),
    pollIntervalMs: integerOption(1).optional(),
    reconnectDelayMs: z
      .strictObject({ min: integerOption(1).optional(), max: integerOption(1).optional() })
      .optional(),
    onError: functionOption<(error: PigeonholeError) => void>().optional(),
  })
  .check((ctx) => {
    const { pool, connectionString } = ctx.value
    if (pool === undefined && connectionString === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: ['connectionString'],
        message: "a URL such as 'postgres://user@host:5432/db' (or give `pool`)",
        input: undefined,
      })
    }
  })

/** The options with their defaults filled in, after checking them all. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const parsed = parseOptions(postgresOptions, options, 'postgresStore')
  return {
    schema: parsed.schema ?? 'public',
    isolation: parsed.isolation ?? 'read committed',
    maxAttempts: parsed.maxAttempts ?? 8,
    retryDelayMs: parsed.retryDelayMs ?? 5,
    onRetry: parsed.onRetry ?? (() => {}),
    listen: parsed.listen ?? true,
    notify: parsed.notify ?? true,
    pollIntervalMs: parsed.pollIntervalMs ?? 5000,
    reconnectMinMs: parsed.reconnectDelayMs?.min ?? 100,
    reconnectMaxMs: parsed.reconnectDelayMs?.max ?? 5000,
    onError: parsed.onError ?? (() => {}),
  }
}
