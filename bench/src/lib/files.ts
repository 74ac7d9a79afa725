import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import BetterSqlite3 from 'better-sqlite3'

/** The engine's file and the reference's copy of it: same schema, same rows. */
export interface BenchFiles {
  engine: string
  reference: string
}

/**
 * Creates the schema by opening the engine on a file, lets `fill` write the starting rows
 * through the engine, closes it (checkpointing the WAL), and copies the file for the reference.
 */
export async function prepareFiles(
  dir: string,
  name: string,
  fill: (ph: Pigeonhole) => Promise<void>,
): Promise<BenchFiles> {
  const files = { engine: join(dir, `${name}-engine.db`), reference: join(dir, `${name}-raw.db`) }
  const ph = await openPigeonhole({ store: sqliteStore({ path: files.engine }) })
  await fill(ph)
  await ph.close()
  await copyFile(files.engine, files.reference)
  return files
}

/** The engine on its file, with the store's defaults (WAL, synchronous=NORMAL). */
export function openEngine(path: string): Promise<Pigeonhole> {
  return openPigeonhole({ store: sqliteStore({ path }) })
}

/** A raw better-sqlite3 connection with the same settings as sqliteStore's defaults. */
export function openReference(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  return db
}

/**
 * Throws unless both files hold as many rows in every table the engine writes, and the same
 * box totals: the reference must do the same work, or its figure means nothing.
 */
export function assertSameRows(files: BenchFiles): void {
  const shape = (path: string) => {
    const db = new BetterSqlite3(path, { readonly: true })
    try {
      const tables = ['accounts', 'messages', 'box_entries', 'box_counts', 'events']
      const counts = tables.map(
        (t) => `${t}=${db.prepare(`select count(*) from ${t}`).pluck().get()}`,
      )
      const totals = db
        .prepare(
          "select group_concat(owner || '/' || box || ':' || total || '/' || unread) from (select * from box_counts order by owner, box)",
        )
        .pluck()
        .get()
      return `${counts.join(' ')} ${String(totals)}`
    } finally {
      db.close()
    }
  }
  const engine = shape(files.engine)
  const reference = shape(files.reference)
  if (engine !== reference) {
    throw new Error(
      `the reference wrote other rows than the engine:\n  engine:    ${engine}\n  reference: ${reference}`,
    )
  }
}
