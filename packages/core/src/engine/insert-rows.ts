import type { Insertable, InsertQueryBuilder, InsertResult, Kysely, QueryResult } from 'kysely'
import type { Database } from '../db/schema.js'
import { chunk } from '../util/chunk.js'
import type { QueryTemplates } from './query-templates.js'

/**
 * Up to this many rows, an insert runs from a template (whole-box marks write 1,000 events a
 * chunk, again and again); larger statements are built each time. Templates are an LRU of 64.
 */
export const templateRows = 1000

type Finish<T extends keyof Database> = (
  insert: InsertQueryBuilder<Database, T, InsertResult>,
) => InsertQueryBuilder<Database, T, InsertResult>

/**
 * Inserts rows that all have the same keys, at most `maxParameters` values a statement: from
 * a compiled template when a statement has few rows (the hot path), else built by Kysely.
 * `finish` adds what follows VALUES (ON CONFLICT); `name` must change when `finish` does.
 * Returns each statement's result (its `insertId`, for one writer, gives the last rowid).
 */
export async function insertRows<T extends keyof Database>(
  templates: QueryTemplates,
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  maxParameters: number,
  finish: Finish<T> = (insert) => insert,
  name = 'insert',
): Promise<QueryResult<unknown>[]> {
  const first = rows[0]
  if (!first) return []
  const columns = columnsOf(table, name, first)
  const results: QueryResult<unknown>[] = []
  const chunkSize = Math.floor(maxParameters / columns.length)
  for (const part of chunk(rows, chunkSize)) {
    const build = (values: readonly Insertable<Database[T]>[]) =>
      finish(db.insertInto(table).values(values as Insertable<Database[T]>[]))
    if (part.length > templateRows) {
      results.push(await db.executeQuery(build(part).compile()))
      continue
    }
    const values = part.flatMap((row) => columns.map((c) => (row as Record<string, unknown>)[c]))
    const key = `${name} ${table} ${part.length}`
    results.push(
      await templates.run(db, key, values, (slot) =>
        build(
          part.map((_, i) =>
            Object.fromEntries(columns.map((c, j) => [c, slot(i * columns.length + j)])),
          ) as Insertable<Database[T]>[],
        ),
      ),
    )
  }
  return results
}

const known = new Map<string, string[]>()

/**
 * The row's keys. A call site (`name` + table) always builds rows of one shape, so template
 * keys need not spell the columns out (hashing them cost ~1 µs an insert); a row of another
 * shape under the same name is a programming error and fails loudly.
 */
function columnsOf(table: string, name: string, row: object): string[] {
  const columns = Object.keys(row)
  const site = `${name} ${table}`
  const seen = known.get(site)
  if (!seen) {
    known.set(site, columns)
  } else if (seen.length !== columns.length || seen.some((c, i) => c !== columns[i])) {
    throw new Error(`insertRows: ${site} rows changed shape: ${seen.join()} / ${columns.join()}`)
  }
  return columns
}
