import type BetterSqlite3 from 'better-sqlite3'

/** Entries marked per transaction by a whole-box mark: the engine's default `markChunkSize`. */
export const markChunk = 1000

/** Event rows per INSERT for marks by ids: up to 1,000, as the engine writes them. */
const eventsPerInsert = 1000

interface Marked {
  message_id: string
  role: string
  box: string
  version: number
}

/**
 * A hand-written `markRead` with better-sqlite3, the same reads and writes as the engine's:
 * by ids in one transaction (every id must be a live entry of the owner; one `message.read`
 * event per entry, in one multi-row INSERT), or a whole box in transactions of `markChunk`
 * entries, each with one `box.markedRead` event listing its entries (built as JSON by SQLite);
 * each box its unread count lowered.
 */
export function rawMarkRead(db: BetterSqlite3.Database) {
  const owner = db.prepare('select address from accounts where address = ?').pluck()
  const set = `update box_entries set read_at = ?, seen_at = coalesce(seen_at, ?),
      version = version + 1, updated_at = ?`
  const byIds = new Map<number, { live: BetterSqlite3.Statement; mark: BetterSqlite3.Statement }>()
  const statementsFor = (n: number) => {
    let s = byIds.get(n)
    if (!s) {
      const list = Array(n).fill('?').join(', ')
      s = {
        live: db.prepare(
          `select message_id, box from box_entries
           where owner = ? and deleted_at is null and message_id in (${list})`,
        ),
        mark: db.prepare(
          `${set} where owner = ? and deleted_at is null and read_at is null
           and message_id in (${list}) returning message_id, role, box, version`,
        ),
      }
      byIds.set(n, s)
    }
    return s
  }
  const eventInserts = new Map<number, BetterSqlite3.Statement>()
  const insertEvents = (n: number) => {
    let s = eventInserts.get(n)
    if (!s) {
      const tuple = "('message.read', ?, ?, ?, ?, ?)"
      s = db.prepare(
        `insert into events (type, owner, message_id, entry_role, data, created_at)
         values ${Array(n).fill(tuple).join(', ')}`,
      )
      eventInserts.set(n, s)
    }
    return s
  }
  const unread = db.prepare('update box_counts set unread = unread - ? where owner = ? and box = ?')
  const recordIds = (who: string, rows: Marked[], now: number) => {
    const perBox = new Map<string, number>()
    for (const r of rows) perBox.set(r.box, (perBox.get(r.box) ?? 0) + 1)
    for (const [box, n] of [...perBox].sort()) unread.run(n, who, box)
    for (let at = 0; at < rows.length; at += eventsPerInsert) {
      const part = rows.slice(at, at + eventsPerInsert)
      const values: unknown[] = []
      for (const r of part) {
        const data = JSON.stringify({ role: r.role, box: r.box, version: r.version })
        values.push(who, r.message_id, r.role, data, now)
      }
      insertEvents(part.length).run(values)
    }
    return rows.length
  }
  const markIds = db.transaction((who: string, ids: readonly string[]) => {
    const now = Date.now()
    const s = statementsFor(ids.length)
    const live = new Set((s.live.all(who, ...ids) as Marked[]).map((r) => r.message_id))
    if (ids.some((id) => !live.has(id))) throw new Error('not in any box of the owner')
    return recordIds(who, s.mark.all(now, now, now, who, ...ids) as Marked[], now)
  })

  // A whole box: the next chunk's row ids and its event entries in one row, built by SQLite.
  const chunk = db.prepare(
    `select json_group_array(rowid) as ids, count(*) as n,
       json_group_array(json_object('messageId', message_id, 'role', role, 'version', version + 1)
         order by created_at, message_id, role) as marked
     from (select rowid, created_at, message_id, role, version from box_entries
       where owner = ? and box = ? and deleted_at is null and read_at is null
       order by created_at, message_id, role limit ?)`,
  )
  const markRows = db.prepare(`${set} where rowid in (select value from json_each(?))`)
  const boxEvent = db.prepare(
    `insert into events (type, owner, message_id, entry_role, data, created_at)
     values ('box.markedRead', ?, null, null, ?, ?)`,
  )
  const markChunkOf = db.transaction((who: string, box: string) => {
    const now = Date.now()
    const next = chunk.get(who, box, markChunk) as { ids: string; n: number; marked: string }
    if (next.n === 0) return 0
    const { changes } = markRows.run(now, now, now, next.ids)
    unread.run(changes, who, box)
    const data = `{"box":${JSON.stringify(box)},"count":${changes},"marked":${next.marked}}`
    boxEvent.run(who, data, now)
    return changes
  })
  return {
    ids(who: string, ids: readonly string[]): number {
      if (owner.get(who) === undefined) throw new Error(`no account ${who}`)
      return markIds(who, ids)
    },
    box(who: string, box: string): number {
      if (owner.get(who) === undefined) throw new Error(`no account ${who}`)
      let changed = 0
      for (;;) {
        const n = markChunkOf(who, box)
        changed += n
        if (n < markChunk) return changed
      }
    },
  }
}
