import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { expect, test, vi } from 'vitest'
import type { Database } from '../src/db/schema.js'
import { QueryTemplates } from '../src/engine/query-templates.js'

function coldDb(): { db: Kysely<Database>; ran: CompiledQuery[] } {
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  })
  const ran: CompiledQuery[] = []
  vi.spyOn(db, 'executeQuery').mockImplementation(async (query) => {
    ran.push(query as CompiledQuery)
    return { rows: [] }
  })
  return { db, ran }
}

test('a template is built once, then rerun with new values; the least recently used goes first', async () => {
  const { db, ran } = coldDb()
  const templates = new QueryTemplates(2)
  const built: string[] = []
  const run = (key: string, value: string) =>
    templates.run({ db, sync: undefined }, key, [value], (slot) => {
      built.push(key)
      return db
        .selectFrom('accounts')
        .select('address')
        .where(key as 'address', '=', slot(0))
    })

  await run('address', 'alice')
  await run('display_name', 'Bob')
  await run('address', 'carol') // reused: address is now the most recently used
  await run('consent', 'open') // evicts display_name, not address
  await run('address', 'dave')
  await run('display_name', 'Eve') // built again
  expect(built).toEqual(['address', 'display_name', 'consent', 'display_name'])
  expect(ran.map((q) => q.parameters)).toEqual([
    ['alice'],
    ['Bob'],
    ['carol'],
    ['open'],
    ['dave'],
    ['Eve'],
  ])
  expect(ran[2]?.sql).toBe(ran[0]?.sql)
})

test("with the store's syncStatements a template runs through them, not through Kysely", async () => {
  const { db, ran } = coldDb()
  const calls: [string, readonly unknown[]][] = []
  const sync = {
    run(sql: string, parameters: readonly unknown[]) {
      calls.push([sql, parameters])
      return { rows: [{ address: 'alice' }] }
    },
  }
  const templates = new QueryTemplates()
  const result = templates.run({ db, sync }, 'one', ['alice'], (slot) =>
    db.selectFrom('accounts').select('address').where('address', '=', slot(0)),
  )
  // Synchronous: a value, not a promise.
  expect(result).toEqual({ rows: [{ address: 'alice' }] })
  expect(calls).toEqual([['select "address" from "accounts" where "address" = ?', ['alice']]])
  expect(ran).toEqual([])
})

test('runBuilt runs a template only once it is built', async () => {
  const { db, ran } = coldDb()
  const templates = new QueryTemplates()
  const target = { db, sync: undefined }
  expect(templates.runBuilt(target, 'k', ['alice'])).toBeUndefined()
  await templates.run(target, 'k', ['alice'], (slot) =>
    db.selectFrom('accounts').select('address').where('address', '=', slot(0)),
  )
  await templates.runBuilt(target, 'k', ['bob'])
  expect(ran.map((q) => q.parameters)).toEqual([['alice'], ['bob']])
})
