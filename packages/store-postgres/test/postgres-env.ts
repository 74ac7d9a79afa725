import pg from 'pg'
import { afterAll, describe, it } from 'vitest'
import { type PostgresStore, type PostgresStoreCommonOptions, postgresStore } from '../src/index.js'

/** Where the PostgreSQL tests run. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const inCi = process.env.CI === 'true' || process.env.CI === '1'

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

const unreachable = await probe()
let announced = false

/**
 * `describe` for tests that need PostgreSQL. When the server cannot be reached: in CI
 * (CI=true) the file fails; elsewhere it is skipped, with one line saying how to run it.
 */
export function describePostgres(name: string, body: () => void): void {
  if (unreachable === undefined) {
    describe(name, body)
    return
  }
  const where = databaseUrl.replace(/\/\/[^@/]*@/, '//…@')
  if (inCi) {
    describe(name, () => {
      it('reaches PostgreSQL', () => {
        throw new Error(`PostgreSQL at ${where} cannot be reached (${unreachable}); CI needs it`)
      })
    })
    return
  }
  if (!announced) {
    announced = true
    console.warn(
      `PostgreSQL tests skipped: cannot reach ${where} (${unreachable}). ` +
        'Start PostgreSQL and set DATABASE_URL=postgres://user@host:port/db to run them.',
    )
  }
  describe.skip(name, body)
}

/**
 * Schemas for one test file: `next()` names a fresh one; all are dropped after the file.
 * Call at the top of a `describePostgres` body.
 */
export function useSchemas(prefix: string) {
  const names: string[] = []
  const tag = `${prefix}_${process.pid}_${Date.now().toString(36)}`
  afterAll(async () => {
    if (names.length === 0) return
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      for (const name of names) await client.query(`drop schema if exists "${name}" cascade`)
    } finally {
      await client.end()
    }
  })
  const released: string[] = []
  return {
    /**
     * A store on an empty schema. A schema whose store was closed is emptied and used again:
     * migrating a new one for every test would cost more than the tests.
     */
    async fresh(options: PostgresStoreCommonOptions = {}): Promise<PostgresStore> {
      let schema = released.pop()
      if (schema === undefined) schema = this.next()
      else await emptySchema(schema)
      const store = this.store(schema, options)
      const close = store.close
      const name = schema
      return Object.assign(store, {
        close: async () => {
          await close()
          released.push(name)
        },
      })
    },
    /** A schema name no other test uses. */
    next(): string {
      const name = `${tag}_${names.length + 1}`
      names.push(name)
      return name
    },
    /** A store on a schema: a fresh one, or `schema` to share it with another store. */
    store(schema: string, options: PostgresStoreCommonOptions = {}) {
      return postgresStore({ connectionString: databaseUrl, poolSize: 4, ...options, schema })
    },
  }
}

/** Empties every table of a schema but the migrator's, and restarts its sequences. */
async function emptySchema(schema: string): Promise<void> {
  const client = await rawClient()
  try {
    const { rows } = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = $1
       and tablename not like 'pigeonhole_migrations%'`,
      [schema],
    )
    const tables = rows.map((r) => `"${schema}"."${r.name}"`).join(', ')
    if (tables) await client.query(`truncate ${tables} restart identity`)
  } finally {
    await client.end()
  }
}

/** A plain client on the test database, for checks the engine does not offer. */
export async function rawClient(schema?: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    ...(schema && { options: `-c search_path="${schema}"` }),
  })
  await client.connect()
  return client
}
