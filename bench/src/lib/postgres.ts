import { openPigeonhole, type Pigeonhole, type Store } from '@pigeonhole/core'
import { type PostgresStoreCommonOptions, postgresStore } from '@pigeonhole/store-postgres'
import pg from 'pg'

/** Where the PostgreSQL cases run. */
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** What a PostgreSQL case prints, and returns no rows, when there is no server. */
export const unreachableLine = 'skipped: PostgreSQL unreachable'

/** The URL without its password, for logs. */
export function shownUrl(): string {
  return databaseUrl.replace(/\/\/[^@/]*@/, '//…@')
}

/** Whether the server answers within 3 s. */
export async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** Fresh schema names for one case run, dropped with `drop()` when it is done. */
export function schemas(tag: string) {
  const names: string[] = []
  const base = `bench_${tag}_${process.pid}_${Date.now().toString(36)}`
  return {
    next(): string {
      const name = `${base}_${names.length + 1}`
      names.push(name)
      return name
    },
    async drop(): Promise<void> {
      const client = await rawClient()
      try {
        for (const name of names) await client.query(`drop schema if exists "${name}" cascade`)
      } finally {
        await client.end()
      }
    },
  }
}

/** The engine on a schema (migrated on open), with the store's defaults. */
export function openPgEngine(
  schema: string,
  options: PostgresStoreCommonOptions = {},
  wrap: (store: Store) => Store = (s) => s,
): Promise<Pigeonhole> {
  const store = postgresStore({ connectionString: databaseUrl, ...options, schema })
  return openPigeonhole({ store: wrap(store) })
}

/**
 * A plain pg client, on `schema` when given, with int8 parsed as a number as the store's
 * pool does (counts, times and cursors are bigint).
 */
export async function rawClient(schema?: string, config: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    ...(schema && { options: `-c search_path="${schema}"` }),
    ...config,
  })
  client.setTypeParser(20, 'text', Number)
  await client.connect()
  return client
}

/**
 * Throws unless both schemas hold as many rows in every table the engine writes, the same box
 * totals, and no event still waiting for its cursor: the reference must do the same work.
 */
export async function assertSameRowsPg(engine: string, reference: string): Promise<void> {
  const client = await rawClient()
  try {
    const shape = async (schema: string) => {
      const tables = ['accounts', 'messages', 'box_entries', 'box_counts', 'events']
      const counts: string[] = []
      for (const t of tables) {
        const { rows } = await client.query(`select count(*)::int as n from "${schema}".${t}`)
        counts.push(`${t}=${rows[0].n}`)
      }
      const { rows } = await client.query(
        `select string_agg(owner || '/' || box || ':' || total || '/' || unread, ','
           order by owner, box) as totals,
           (select count(*)::int from "${schema}".events where cursor is null) as unnumbered
         from "${schema}".box_counts`,
      )
      return `${counts.join(' ')} ${rows[0].totals} unnumbered=${rows[0].unnumbered}`
    }
    const a = await shape(engine)
    const b = await shape(reference)
    if (a !== b) {
      throw new Error(
        `the reference wrote other rows than the engine:\n  engine:    ${a}\n  reference: ${b}`,
      )
    }
  } finally {
    await client.end()
  }
}
