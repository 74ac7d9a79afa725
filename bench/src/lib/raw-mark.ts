import type BetterSqlite3 from 'better-sqlite3'

/** Entries marked per transaction by a whole-box mark: the engine's default `markChunkSize`. */
export const markChunk = 1000

interface Marked {
  message_id: string
  role: string
  box: string
  version: number
}

/**
 * A hand-written `markRead` with better-sqlite3, the same reads and writes as the engine's:
 * by ids in one transaction (every id must be a live entry of the owner), or a whole box in
 * transactions of `markChunk` entries; each marked entry gets its `message.read` event, each
 * box its unread count lowered.
 */
export function rawMarkRead(db: BetterSqlite3.Database) {
  const owner = db.prepare('select address from accounts where address = ?').pluck()
  const set = `update box_entries set read_at = ?, seen_at = coalesce(seen_at, ?),
      version = version + 1, updated_at = ?`
  const returning = 'returning message_id, role, box, version'
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
           and message_id in (${list}) ${returning}`,
        ),
      }
      byIds.set(n, s)
    }
    return s
  }
  const chunk = db.prepare(
    `${set} where owner = ? and deleted_at is null and read_at is null
     and (message_id, role) in (select message_id, role from box_entries
       where owner = ? and box = ? and deleted_at is null and read_at is null limit ?)
     ${returning}`,
  )
  const unread = db.prepare('update box_counts set unread = unread - ? where owner = ? and box = ?')
  const event = db.prepare(
    `insert into events (type, owner, message_id, entry_role, data, created_at)
     values ('message.read', ?, ?, ?, ?, ?)`,
  )
  const record = (who: string, rows: Marked[], now: number) => {
    const perBox = new Map<string, number>()
    for (const r of rows) perBox.set(r.box, (perBox.get(r.box) ?? 0) + 1)
    for (const [box, n] of [...perBox].sort()) unread.run(n, who, box)
    for (const r of rows) {
      const data = JSON.stringify({ role: r.role, box: r.box, version: r.version })
      event.run(who, r.message_id, r.role, data, now)
    }
    return rows.length
  }
  const markIds = db.transaction((who: string, ids: readonly string[]) => {
    const now = Date.now()
    const s = statementsFor(ids.length)
    const live = new Set((s.live.all(who, ...ids) as Marked[]).map((r) => r.message_id))
    if (ids.some((id) => !live.has(id))) throw new Error('not in any box of the owner')
    return record(who, s.mark.all(now, now, now, who, ...ids) as Marked[], now)
  })
  const markChunkOf = db.transaction((who: string, box: string) => {
    const now = Date.now()
    return record(who, chunk.all(now, now, now, who, who, box, markChunk) as Marked[], now)
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
