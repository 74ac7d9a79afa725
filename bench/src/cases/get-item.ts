import { rm } from 'node:fs/promises'
import type BetterSqlite3 from 'better-sqlite3'
import { type BenchCase, planFor } from '../lib/case.js'
import { openEngine, openReference } from '../lib/files.js'
import { buildInbox } from '../lib/inbox-files.js'
import { measurePair } from '../lib/measure.js'
import { pageSelect } from '../lib/raw-page.js'

/**
 * A hand-written `messages.getItem({ owner, id })`: the owner's live entry of the message
 * joined with the message (`received` first when one sent it to oneself: `get` takes the first row), JSON columns
 * parsed. Like the engine, no separate owner check: an unknown owner has no entry, so null.
 */
function rawItem(db: BetterSqlite3.Database) {
  const item = db.prepare(
    `${pageSelect} where e.owner = ? and e.message_id = ? and e.deleted_at is null
     order by e.role`,
  )
  return (owner: string, id: string) => {
    const r = item.get(owner, id) as Record<string, unknown> | undefined
    if (!r) return null
    return {
      ...r,
      message_id: r.message_id as string,
      role: r.role as string,
      recipients: JSON.parse(r.recipients as string) as string[],
      content: JSON.parse(r.content as string) as object,
      attachments: JSON.parse(r.attachments as string) as string[],
    }
  }
}

export const getItemCase: BenchCase = {
  name: 'get-item',
  summary: 'messages.getItem of one message of an inbox of 10k, by id',
  async run(env) {
    const size = env.quick ? 1000 : 10_000
    const path = await buildInbox(env.dir, size, env.log)
    // Reads only: the engine and the reference share the file.
    const ph = await openEngine(path)
    const db = openReference(path)
    const item = rawItem(db)
    try {
      // A different message each operation, the same sequence on both sides.
      const ids = (await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 1000 })).items.map(
        (i) => i.message.id,
      )
      for (const id of ids.slice(0, 10)) {
        const a = await ph.messages.getItem({ owner: 'bob', id })
        const b = item('bob', id)
        if (a?.message.id !== id || b?.message_id !== id || a.entry.role !== b.role) {
          throw new Error(`get-item: engine and reference disagree on ${id}`)
        }
      }
      let i = 0
      let j = 0
      const pair = await measurePair(
        () => ph.messages.getItem({ owner: 'bob', id: ids[i++ % ids.length]! }),
        () => item('bob', ids[j++ % ids.length]!),
        planFor(
          env,
          { warmupOps: 50, samples: 3, opsPerSample: 100 },
          { warmupOps: 1000, samples: 15, opsPerSample: 1000 },
        ),
      )
      return [{ case: 'get-item', measure: `getItem by id, inbox of ${size}`, ...pair }]
    } finally {
      await ph.close()
      db.close()
      for (const suffix of ['', '-wal', '-shm']) await rm(`${path}${suffix}`, { force: true })
    }
  },
}
