import { type Difference, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { crashAccounts } from './protocol.js'

/** What the children acknowledged, across every run. */
export interface Acknowledged {
  /** Message id → who sent it to whom, and its idempotency key if it had one. */
  sends: Map<string, { from: string; to: string; key?: string }>
  /** Idempotency key → every id acknowledged for it (must be one). */
  keys: Map<string, Set<string>>
  /** `owner\0id` of every acknowledged markRead. */
  reads: Set<string>
}

export interface StoreFindings {
  /** Acknowledged ids missing from admin.getMessage, the recipient's inbox or the sender's sent box. */
  lost: string[]
  /** Ids listed more than once in one box, and keys acknowledged with more than one id. */
  duplicates: string[]
  /** Acknowledged reads whose entry is unread after reopening. */
  unread: string[]
  /** PRAGMA integrity_check lines other than ok. */
  integrity: string[]
  /** What verify() found. */
  differences: Difference[]
  /** Messages in the store (acknowledged or committed just before a kill). */
  stored: number
}

/** Reopens the file the children wrote and checks every acknowledgement against it. */
export async function checkStore(path: string, acked: Acknowledged): Promise<StoreFindings> {
  const store = sqliteStore({ path })
  const ph = await openPigeonhole({ store })
  try {
    const lost: string[] = []
    const duplicates: string[] = []
    const listed = new Map<string, Map<string, number>>()
    let stored = 0
    for (const owner of crashAccounts) {
      // A run killed before it registered everyone leaves some accounts out: nothing to list.
      if (!(await ph.accounts.get(owner))) continue
      for (const box of ['inbox', 'sent']) {
        const seen = await listBox(ph, owner, box)
        for (const [id, n] of seen) if (n > 1) duplicates.push(`${owner}/${box}/${id} x${n}`)
        listed.set(`${owner}\u0000${box}`, seen)
        if (box === 'sent') stored += seen.size
      }
    }
    for (const [id, send] of acked.sends) {
      const message = await ph.admin.getMessage(id)
      const fine =
        message !== null &&
        message.from === send.from &&
        message.to.length === 1 &&
        message.to[0] === send.to &&
        listed.get(`${send.to}\u0000inbox`)?.get(id) === 1 &&
        listed.get(`${send.from}\u0000sent`)?.get(id) === 1
      if (!fine) lost.push(id)
    }
    for (const [key, ids] of acked.keys) {
      if (ids.size > 1) duplicates.push(`key ${key}: ${[...ids].join(', ')}`)
    }
    const unread: string[] = []
    for (const read of acked.reads) {
      const [owner, id] = read.split('\u0000') as [string, string]
      const item = await ph.messages.getItem({ owner, id, role: 'received' })
      if (item?.entry.readAt == null) unread.push(`${owner}/${id}`)
    }
    const integrity = (await store.integrityCheck?.()) ?? ['integrityCheck not available']
    const differences = await ph.verify()
    return { lost, duplicates, unread, integrity, differences, stored }
  } finally {
    await ph.close()
  }
}

/** Every live entry of one box: message id → how many times the listing returned it. */
async function listBox(ph: Pigeonhole, owner: string, box: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>()
  let cursor: string | undefined
  do {
    const page = await ph.messages.list({ owner, box, limit: 1000, cursor })
    for (const item of page.items) {
      const id = item.message.id
      seen.set(id, (seen.get(id) ?? 0) + 1)
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return seen
}
