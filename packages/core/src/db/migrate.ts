import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import type { Dialect } from './dialect.js'
import * as m001 from './migrations/001-initial.js'
import * as m002 from './migrations/002-postgres-event-order.js'
import * as m003 from './migrations/003-removed-accounts.js'
import * as m004 from './migrations/004-requests.js'
import * as m005 from './migrations/005-consent.js'
import * as m006 from './migrations/006-files.js'
import * as m007 from './migrations/007-delivery.js'
import * as m008 from './migrations/008-api-keys.js'
import * as m009 from './migrations/009-webhooks.js'
import type { Database } from './schema.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type MigrationModule = { up(db: Kysely<any>, dialect: Dialect): Promise<void> }

/** Every migration, in order. Add a numbered file and a line here; never edit a shipped one. */
const migrations: Record<string, MigrationModule> = {
  '001-initial': m001,
  '002-postgres-event-order': m002,
  '003-removed-accounts': m003,
  '004-requests': m004,
  '005-consent': m005,
  '006-files': m006,
  '007-delivery': m007,
  '008-api-keys': m008,
  '009-webhooks': m009,
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

/** Which migration failed, and why. */
export interface MigrationFailure {
  migration: string | undefined
  error: unknown
}

/**
 * Brings the schema up to date; returns the failure, if any (the caller makes the error).
 * Kysely's migrator takes a lock (an advisory lock on PostgreSQL), so several instances
 * opening one database at once migrate it once.
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: Dialect,
  schema?: string,
): Promise<MigrationFailure | undefined> {
  if (await upToDate(db, schema)) return undefined
  const migrator = new Migrator({
    db,
    provider: new CoreMigrations(dialect),
    migrationTableName: 'pigeonhole_migrations',
    migrationLockTableName: 'pigeonhole_migrations_lock',
    // Named, so the migrator does not mistake another schema's tables for ours.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (!error) return undefined
  return { migration: results?.find((r) => r.status === 'Error')?.migrationName, error }
}

/**
 * True when every migration is recorded as run: one small read. Kysely's migrator first asks
 * the introspector whether its tables exist, which on PostgreSQL reads every column of every
 * table of every schema in the database: hundreds of milliseconds per open on a database
 * holding many schemas (a test suite, or a host with a large schema of its own).
 */
async function upToDate(db: Kysely<Database>, schema: string | undefined): Promise<boolean> {
  const names = Object.keys(migrations)
  try {
    const q = schema === undefined ? db : db.withSchema(schema)
    const rows = await (q as unknown as Kysely<MigrationsTable>)
      .selectFrom('pigeonhole_migrations')
      .select('name')
      .execute()
    const done = new Set(rows.map((r) => r.name))
    // A name we do not know (a newer version ran here): the migrator says what is wrong.
    return done.size === names.length && names.every((n) => done.has(n))
  } catch {
    // No migrations table yet (a new database): the migrator creates it.
    return false
  }
}

interface MigrationsTable {
  pigeonhole_migrations: { name: string; timestamp: string }
}
