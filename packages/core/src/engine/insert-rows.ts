import type { Insertable, InsertQueryBuilder, InsertResult, QueryResult } from 'kysely'
import type { Database } from '../db/schema.js'
import {
  execute,
  type QueryTemplates,
  type StatementTarget,
  templateRows,
} from './query-templates.js'

type Finish<T extends keyof Database> = (
  insert: InsertQueryBuilder<Database, T, InsertResult>,
) => InsertQueryBuilder<Database, T, InsertResult>

/**
 * Inserts rows that all have the same keys, at most `maxParameters` values a statement: from
 * a compiled template when a statement has few rows (the hot path), else built by Kysely.
 * `finish` adds what follows VALUES (ON CONFLICT); `name` must change when `finish` does.
 * Returns each statement's result (its `insertId`, for one writer, gives the last rowid);
 * without `syncStatements` the statements are marked `resultUnused` and the results may be
 * empty (a pipelining store answers before they ran).
 */
export async function insertRows<T extends keyof Database>(
  templates: QueryTemplates,
  target: StatementTarget,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  maxParameters: number,
  finish: Finish<T> = unchanged,
  name = 'insert',
): Promise<QueryResult<unknown>[]> {
  const first = rows[0]
  if (!first) return []
  // Only one writer's inserts are read back (their insert ids give event cursors).
  const unused = target.sync === undefined
  const site = siteOf(table, name, first)
  const columns = site.columns
  const width = columns.length
  const chunkSize = Math.max(1, Math.floor(maxParameters / width))
  // One statement (the send path): no chunk arrays, no result array built twice.
  const results: QueryResult<unknown>[] = []
  for (let start = 0; start < rows.length; start += chunkSize) {
    const part = rows.length <= chunkSize ? rows : rows.slice(start, start + chunkSize)
    if (part.length > templateRows) {
      const compiled = buildInsert(target, table, part, finish).compile()
      results.push(await execute(target, compiled, compiled.parameters, unused))
      continue
    }
    const values = new Array<unknown>(part.length * width)
    for (let i = 0; i < part.length; i++) {
      const row = part[i] as Record<string, unknown>
      for (let j = 0; j < width; j++) values[i * width + j] = row[columns[j]!]
    }
    // Keys made once per size: a string already hashed is a cheap lookup in the LRU.
    let key = site.keys[part.length]
    if (key === undefined) {
      key = `${name} ${table} ${part.length}`
      site.keys[part.length] = key
    }
    results.push(
      await (templates.runBuilt(target, key, values, unused) ??
        templates.run(
          target,
          key,
          values,
          (slot) =>
            buildInsert(
              target,
              table,
              part.map((_, i) =>
                Object.fromEntries(columns.map((c, j) => [c, slot(i * width + j)])),
              ) as Insertable<Database[T]>[],
              finish,
            ),
          unused,
        )),
    )
  }
  return results
}

/** A call site's columns and its template keys by row count. */
interface Site {
  columns: string[]
  keys: string[]
}

/** No clause after VALUES. */
function unchanged<I>(insert: I): I {
  return insert
}

function buildInsert<T extends keyof Database>(
  target: StatementTarget,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  finish: Finish<T>,
) {
  return finish(target.db.insertInto(table).values(rows as Insertable<Database[T]>[]))
}

/** Call sites by table, then by name: constant strings, no key built per insert. */
const known = new Map<string, Map<string, Site>>()

/**
 * The columns of a call site's rows. A call site (`name` + table) always builds rows of one
 * shape, so template keys need not spell the columns out (hashing them cost ~1 µs an insert);
 * a row of another shape under the same name is a programming error and fails loudly.
 */
function siteOf(table: string, name: string, row: object): Site {
  let byName = known.get(table)
  if (!byName) {
    byName = new Map()
    known.set(table, byName)
  }
  const seen = byName.get(name)
  if (!seen) {
    const site = { columns: Object.keys(row), keys: [] }
    byName.set(name, site)
    return site
  }
  checkShape(seen.columns, row as Record<string, unknown>, name, table)
  return seen
}

/** Throws unless `row` has exactly `columns`, in that order (checked on a statement's first row). */
function checkShape(
  columns: readonly string[],
  row: Record<string, unknown>,
  name: string,
  table: string,
): void {
  let i = 0
  for (const key in row) {
    if (key !== columns[i]) changedShape(columns, row, name, table)
    i++
  }
  if (i !== columns.length) changedShape(columns, row, name, table)
}

function changedShape(columns: readonly string[], row: object, name: string, table: string): never {
  throw new Error(
    `insertRows: ${name} ${table} rows changed shape: ${columns.join()} / ${Object.keys(row).join()}`,
  )
}
