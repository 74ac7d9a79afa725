import type { Compilable, Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from './context.js'

/** Builds a read's query from slots (`slot(i)` stands for `values[i]`); no per-call closure. */
export type ReadBuilder = (
  db: Kysely<Database>,
  slot: (index: number) => never,
) => Compilable<unknown>

/**
 * The engine's small reads outside write transactions (counts, a page, one item): the query
 * is built and compiled once per shape (a template, see query-templates.ts), then run
 * synchronously when the store can (`StoreCapabilities.syncReads`: SQLite with no transaction
 * open), else through Kysely (PostgreSQL; SQLite while a transaction holds the connection).
 * `key` must name everything that changes the SQL. Answers rows at once when it could.
 */
export function readRows<R>(
  ctx: EngineContext,
  key: string,
  values: readonly unknown[],
  build: ReadBuilder,
): R[] | Promise<R[]> {
  const db = ctx.db
  const query =
    ctx.templates.bound(key, values) ?? ctx.templates.bind(key, values, (slot) => build(db, slot))
  const rows = ctx.store.capabilities.syncReads?.read(query.sql, query.parameters)
  if (rows) return rows as R[]
  return db.executeQuery<R>(query).then(toRows)
}

function toRows<R>(result: { rows: R[] }): R[] {
  return result.rows
}
