import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import { PigeonholeError } from '../errors.js'
import type { Dialect } from '../store-port.js'
import * as m001 from './migrations/001-initial.js'
import * as m002 from './migrations/002-postgres-event-order.js'
import * as m003 from './migrations/003-removed-accounts.js'
import type { Database } from './schema.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type MigrationModule = { up(db: Kysely<any>, dialect: Dialect): Promise<void> }

/** Every migration, in order. Add a numbered file and a line here; never edit a shipped one. */
const migrations: Record<string, MigrationModule> = {
  '001-initial': m001,
  '002-postgres-event-order': m002,
  '003-removed-accounts': m003,
}

class CoreMigrations implements MigrationProvider {
  readonly #dialect: Dialect
  constructor(dialect: Dialect) {
    this.#dialect = dialect
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {}
    for (const [name, mod] of Object.entries(migrations)) {
      out[name] = { up: (db) => mod.up(db, this.#dialect) }
    }
    return out
  }
}

/**
 * Brings the schema up to date. Kysely's migrator takes a lock (an advisory lock on
 * PostgreSQL), so several instances opening one database at once migrate it once.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: Dialect,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new CoreMigrations(dialect),
    migrationTableName: 'pigeonhole_migrations',
    migrationLockTableName: 'pigeonhole_migrations_lock',
    // Named, so the migrator does not mistake another schema's tables for ours.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new PigeonholeError(
      'store_error',
      `migration ${failed ?? '(unknown)'} failed: ${String(error)}`,
      { migration: failed },
      { cause: error },
    )
  }
}
