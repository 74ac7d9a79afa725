import { openPigeonhole } from '@pigeonhole/core'
import { sql } from 'kysely'
import pg from 'pg'
import { expect, it } from 'vitest'
import { postgresStore } from '../src/index.js'
import { newestCursor, waitFor } from './helpers.js'
import { databaseUrl, describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: pool, schema and types', () => {
  const schemas = useSchemas('ph_opts')

  it('creates its schema, keeps every table there, and types fit PostgreSQL', async () => {
    const schema = schemas.next()
    const ph = await openPigeonhole({ store: schemas.store(schema) })
    const client = await rawClient()
    try {
      const { rows } = await client.query<{
        table_name: string
        column_name: string
        data_type: string
      }>(
        `select table_name, column_name, data_type from information_schema.columns
         where table_schema = $1 and (table_name, column_name) in
         (('messages', 'content'), ('events', 'cursor'), ('events', 'data'), ('messages', 'created_at'))
         order by table_name, column_name`,
        [schema],
      )
      expect(rows).toEqual([
        { table_name: 'events', column_name: 'cursor', data_type: 'bigint' },
        { table_name: 'events', column_name: 'data', data_type: 'jsonb' },
        { table_name: 'messages', column_name: 'content', data_type: 'jsonb' },
        { table_name: 'messages', column_name: 'created_at', data_type: 'bigint' },
      ])
      const elsewhere = await client.query(
        `select table_schema from information_schema.tables
         where table_name = 'box_entries' and table_schema = 'public'`,
      )
      expect(elsewhere.rows).toEqual([])
    } finally {
      await client.end()
      await ph.close()
    }
  })

  it('runs writers concurrently, so it asks core to lock the rows a change reads', async () => {
    const store = schemas.store(schemas.next())
    try {
      expect(store.capabilities).toMatchObject({ singleWriter: false, rowLocks: true })
    } finally {
      await store.close()
    }
  })

  it('reads int8 as numbers through its own pool, without touching pg’s global parsers', async () => {
    const store = schemas.store(schemas.next())
    const ph = await openPigeonhole({ store })
    try {
      await ph.accounts.register({ address: 'alice' })
      const { rows } = await sql<{ n: unknown; big: unknown }>`
        select count(*) as n, 9007199254740991::bigint as big from accounts`.execute(store.db)
      expect(rows).toEqual([{ n: 1, big: Number.MAX_SAFE_INTEGER }])
      expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5')
    } finally {
      await ph.close()
    }
  })

  it('works through a pool you give it, and leaves that pool open', async () => {
    const schema = schemas.next()
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 })
    const given = await openPigeonhole({ store: postgresStore({ pool, schema }) })
    const other = await openPigeonhole({ store: schemas.store(schema) })
    const client = await rawClient()
    try {
      await given.accounts.register({ address: 'alice' })
      await given.accounts.register({ address: 'bob' })
      const m = await given.messages.send({ from: 'alice', to: ['bob'], content: { hi: 1 } })
      expect(m.createdAt).toBeTypeOf('number')
      // Events of an engine on the given pool reach the other instance, and back.
      await other.messages.send({ from: 'bob', to: ['alice'], content: { back: 1 } })
      const end = await newestCursor(client, schema)
      await waitFor(
        () => given.events.lastCursor === end && other.events.lastCursor === end,
        'both instances',
      )
      await given.close()
      const { rows } = await pool.query('select 1 as one')
      expect(rows).toEqual([{ one: 1 }])
    } finally {
      await client.end()
      await Promise.all([given.close(), other.close()])
      await pool.end()
    }
  })
})
