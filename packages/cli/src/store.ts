import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { openPigeonhole, type Pigeonhole, type Store } from '@pigeonhole/core'
import { postgresStore } from '@pigeonhole/store-postgres'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { sql } from 'kysely'
import { UsageError } from './errors.js'
import type { StoreFlags } from './store-options.js'

export type { StoreFlags }

/** Where the store is, in words: `SQLite app.db`, `PostgreSQL db.local:5432/app (schema s)`. */
export interface StoreChoice {
  store: Store
  describe: string
}

/**
 * The store the flags name: `--sqlite`, else `--database-url` or `$DATABASE_URL`. `create`:
 * a SQLite file that does not exist yet may be made (serve, migrate); the other commands refuse
 * a missing file rather than make an empty one from a mistyped path.
 */
export function chooseStore(flags: StoreFlags, create: boolean): StoreChoice {
  const url = flags.databaseUrl ?? process.env.DATABASE_URL
  if (flags.sqlite !== undefined && flags.databaseUrl !== undefined) {
    throw new UsageError('give either --sqlite or --database-url, not both')
  }
  if (flags.sqlite !== undefined) {
    if (flags.schema !== undefined) throw new UsageError('--schema is for PostgreSQL only')
    const path = flags.sqlite
    if (path === '') throw new UsageError('--sqlite: expected a file path, got ""')
    if (!create && path !== ':memory:' && !existsSync(path)) {
      throw new UsageError(
        `--sqlite: no file ${resolve(path)} (\`pigeonhole migrate --sqlite ${path}\` creates one)`,
      )
    }
    return { store: sqliteStore({ path }), describe: `SQLite ${path}` }
  }
  if (url !== undefined && url !== '') {
    const schema = flags.schema ?? 'public'
    return {
      store: postgresStore({ connectionString: url, schema, poolSize: 4 }),
      describe: `PostgreSQL ${redact(url)} (schema ${schema})`,
    }
  }
  throw new UsageError(
    'no store: give --sqlite <file> or --database-url <url> (or set DATABASE_URL)',
  )
}

/** A connection string without its password. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return `${u.host}${u.pathname}`
  } catch {
    return '(a connection string)'
  }
}

/** Opens the engine on the store (migrations run on open). */
export async function openEngine(flags: StoreFlags, create: boolean): Promise<Opened> {
  const choice = chooseStore(flags, create)
  const ph = await openPigeonhole({ store: choice.store }).catch(async (error: unknown) => {
    await choice.store.close().catch(() => {})
    throw error
  })
  return { ...choice, ph }
}

export interface Opened extends StoreChoice {
  ph: Pigeonhole
}

/** The migrations recorded as applied in the store; none when the table is not there yet. */
export async function appliedMigrations(store: Store): Promise<string[]> {
  try {
    const { rows } = await sql<{
      name: string
    }>`select name from pigeonhole_migrations order by name`.execute(store.db)
    return rows.map((r) => r.name)
  } catch {
    return [] // no table yet (a new file or schema); opening will say if the store is unreachable
  }
}
