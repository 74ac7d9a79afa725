import { integerOption, parseOptions } from '@pigeonhole/core'
import { z } from 'zod'

/** How much a commit survives. */
export type Durability = 'normal' | 'full'

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a store that lives as long as the process. */
  path: string
  /**
   * 'normal' (default): WAL with synchronous=NORMAL. A commit survives the process crashing or
   * being killed; after a power loss or OS crash the last commits may be lost, never corrupted.
   * 'full': synchronous=FULL, every commit is fsynced: it also survives power loss; slower.
   */
  durability?: Durability
  /**
   * Group commit: writes that arrive while one is running wait and then run together in one
   * transaction (each in its own savepoint: one that fails is undone alone), so one commit and
   * one fsync serve them all. Default: true with `durability: 'full'` (where a commit costs an
   * fsync), false with 'normal' (no fsync to share; a lone write gains nothing either way).
   */
  groupCommit?: boolean
  /**
   * How long a writer waits for another connection's lock before failing, in ms, at most
   * 2^31 - 1 (SQLite's busy timeout is a 32-bit int). Default: 5000.
   */
  busyTimeoutMs?: number
  /** Prepared statements kept for reuse. Default: 200. */
  statementCacheSize?: number
  /**
   * How often, in ms, an engine checks whether another connection (another engine on the same
   * file) committed, so it emits those events too: one `PRAGMA data_version` per tick.
   * 1 to 60000. Default: 250. No timer for ':memory:' (no other connection can see it).
   */
  pollIntervalMs?: number
}

/** The options, checked by core's one mechanism: unknown keys are refused, naming the closest. */
const sqliteOptions = z.strictObject({
  path: z.custom<string>((v) => typeof v === 'string' && v.length > 0, {
    error: "a file path or ':memory:'",
  }),
  durability: z.enum(['normal', 'full']).optional(),
  groupCommit: z.boolean().optional(),
  busyTimeoutMs: integerOption(0).optional(),
  statementCacheSize: integerOption(0).optional(),
  pollIntervalMs: integerOption(1, 60_000).optional(),
})

/** The options with their defaults filled in. */
export function resolveOptions(options: unknown): Required<SqliteStoreOptions> {
  const parsed = parseOptions(sqliteOptions, options, 'sqliteStore')
  return {
    path: parsed.path,
    durability: parsed.durability ?? 'normal',
    groupCommit: parsed.groupCommit ?? parsed.durability === 'full',
    busyTimeoutMs: parsed.busyTimeoutMs ?? 5000,
    statementCacheSize: parsed.statementCacheSize ?? 200,
    pollIntervalMs: parsed.pollIntervalMs ?? 250,
  }
}
