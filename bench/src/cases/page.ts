import type { Pigeonhole } from '@pigeonhole/core'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { openEngine, openReference, prepareFiles } from '../lib/files.js'
import { measurePair } from '../lib/measure.js'

const pageSize = 50

/** The row shape a hand-written pager returns: the entry, the message, JSON parsed. */
interface RawItem {
  message_id: string
  role: string
  e_created_at: number
  recipients: string
  content: string
  attachments: string
  [column: string]: unknown
}

/**
 * The same reads as `messages.list`: the owner exists, then the keyset query over the live
 * entries of one box joined with their messages, one row more than the page to know if more
 * follow; JSON columns parsed.
 */
function referencePage(db: BetterSqlite3.Database) {
  const owner = db.prepare('select address from accounts where address = ?').pluck()
  const select = `select e.owner, e.message_id, e.role, e.box, e.created_at as e_created_at,
      e.updated_at as e_updated_at, e.version as e_version, e.read_at, e.seen_at, e.deleted_at,
      m.id, m.sender, m.recipients, m.content, m.content_type, m.attachments, m.thread_id,
      m.broadcast, m.created_at, m.updated_at, m.version, m.idem_sender, m.idempotency_key,
      m.payload_hash, m.retracted_at
    from box_entries as e inner join messages as m on m.id = e.message_id
    where e.owner = ? and e.deleted_at is null and e.box = ?`
  const order = 'order by e.created_at desc, e.message_id desc, e.role desc limit ?'
  const first = db.prepare(`${select} ${order}`)
  const after = db.prepare(
    `${select} and (e.created_at, e.message_id, e.role) < (?, ?, ?) ${order}`,
  )
  return (who: string, box: string, key?: [number, string, string]) => {
    if (owner.get(who) === undefined) throw new Error('no such account')
    const rows = (
      key ? after.all(who, box, ...key, pageSize + 1) : first.all(who, box, pageSize + 1)
    ) as RawItem[]
    const items = rows.slice(0, pageSize).map((r) => ({
      ...r,
      recipients: JSON.parse(r.recipients) as string[],
      content: JSON.parse(r.content) as object,
      attachments: JSON.parse(r.attachments) as string[],
    }))
    return { items, more: rows.length > pageSize }
  }
}

/** Bob's inbox of `size` messages from alice, sent 1000 at a time. */
async function fill(ph: Pigeonhole, size: number): Promise<void> {
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  for (let sent = 0; sent < size; sent += 1000) {
    const batch = Array.from({ length: Math.min(1000, size - sent) }, (_, i) => ({
      identifier: String(sent + i),
      from: 'alice',
      to: ['bob'],
      content: { subject: `Message ${sent + i}`, text: 'Some text of a usual length, '.repeat(4) },
    }))
    await ph.messages.sendMany(batch)
  }
}

/** The cursor and the key of the page in the middle of the box, walked to through the engine. */
async function middle(ph: Pigeonhole, size: number) {
  let page = await ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize })
  for (let i = 1; i < Math.floor(size / pageSize / 2); i++) {
    page = await ph.messages.list({
      owner: 'bob',
      box: 'inbox',
      limit: pageSize,
      cursor: page.nextCursor!,
    })
  }
  const last = page.items[page.items.length - 1]!.entry
  const key: [number, string, string] = [last.createdAt, last.messageId, last.role]
  return { cursor: page.nextCursor!, key }
}

export const pageCase: BenchCase = {
  name: 'page',
  summary: `an inbox page of ${pageSize}, newest first, with the message content, from a box of N`,
  async run(env) {
    const size = env.quick ? 1000 : 100_000
    env.log(`page: filling an inbox of ${size} messages`)
    const files = await prepareFiles(env.dir, 'page', (ph) => fill(ph, size))
    const ph = await openEngine(files.engine)
    const db = openReference(files.reference)
    const page = referencePage(db)
    const plan = planFor(
      env,
      { warmupOps: 50, samples: 3, opsPerSample: 100 },
      { warmupOps: 500, samples: 15, opsPerSample: 500 },
    )
    try {
      // Both must return the same page, or the comparison means nothing.
      const a = (await ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize })).items
      const b = page('bob', 'inbox').items
      if (a.map((i) => i.message.id).join() !== b.map((i) => i.message_id).join()) {
        throw new Error('page: the reference returned another page than the engine')
      }
      const rows: BenchRow[] = []
      const first = await measurePair(
        () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize }),
        () => page('bob', 'inbox'),
        plan,
      )
      rows.push({ case: 'page', measure: `first page of ${pageSize}, box of ${size}`, ...first })
      const { cursor, key } = await middle(ph, size)
      const mid = await measurePair(
        () => ph.messages.list({ owner: 'bob', box: 'inbox', limit: pageSize, cursor }),
        () => page('bob', 'inbox', key),
        plan,
      )
      rows.push({ case: 'page', measure: `middle page (cursor), box of ${size}`, ...mid })
      return rows
    } finally {
      await ph.close()
      db.close()
    }
  },
}
