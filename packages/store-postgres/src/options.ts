import { PigeonholeError } from '@pigeonhole/core'
import type { Pool } from 'pg'

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
   * connection, events of an instance that crashed before numbering them. Default: 5000.
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

const isolations: readonly Isolation[] = ['read committed', 'repeatable read', 'serializable']

export function resolveOptions(options: PostgresStoreOptions): ResolvedOptions {
  const schema = options.schema ?? 'public'
  if (typeof schema !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw invalid(
      'schema',
      'a name of letters, digits and _ (not starting with a digit, at most 63)',
      schema,
    )
  }
  const isolation = options.isolation ?? 'read committed'
  if (!isolations.includes(isolation)) {
    throw invalid('isolation', isolations.map((i) => `'${i}'`).join(', '), isolation)
  }
  return {
    schema,
    isolation,
    maxAttempts: positive('maxAttempts', options.maxAttempts ?? 8),
    retryDelayMs: positive('retryDelayMs', options.retryDelayMs ?? 5),
    onRetry: options.onRetry ?? (() => {}),
    listen: options.listen ?? true,
    notify: options.notify ?? true,
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs ?? 5000),
    reconnectMinMs: positive('reconnectDelayMs.min', options.reconnectDelayMs?.min ?? 100),
    reconnectMaxMs: positive('reconnectDelayMs.max', options.reconnectDelayMs?.max ?? 5000),
    onError: options.onError ?? (() => {}),
  }
}

function positive(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 1) throw invalid(field, 'a number ≥ 1', value)
  return value
}

/** `invalid_input` for an option, naming it, what was expected and what was got. */
export function invalid(field: string, expected: string, got: unknown): PigeonholeError {
  return new PigeonholeError(
    'invalid_input',
    `postgresStore: ${field}: expected ${expected}, got ${JSON.stringify(got)}`,
    { field, expected, got: JSON.stringify(got) ?? String(got) },
  )
}
