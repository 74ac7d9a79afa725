import { PigeonholeError } from '../../errors.js'
import type { EngineBatch } from '../content-hooks.js'
import type { SendItem, SendPolicy } from '../policy.js'

/**
 * Attachments: every file a send names exists, is `ready` and not past `expiresAt`, and the
 * sender may attach it: they uploaded it (and have not deleted it), or it came to them in a
 * message (they received a message that attaches it: forwarding). A system message (from
 * null) is host code and may attach any ready file. One read of the batch's files, and one
 * of what the senders received, only for files that are not their own.
 * Missing, unfinished, deleted by the owner or expired: `not_found`; someone else's:
 * `forbidden`; both name `attachments`.
 */
export const attachmentsStep: SendPolicy = {
  name: 'attachments',
  judge(batch, verdicts) {
    const engine = batch as EngineBatch
    let any = false
    for (const item of batch.items) {
      // A message from a peer brought its files; the receiver stored them just before.
      if (item.attachments.length > 0 && !engine.prepared[item.index]?.received) any = true
    }
    if (!any) return
    return judgeAttachments(batch as EngineBatch, verdicts)
  },
}

async function judgeAttachments(
  batch: EngineBatch,
  verdicts: Parameters<SendPolicy['judge']>[1],
): Promise<void> {
  const ids = new Set<string>()
  const items = batch.items.filter((item) => !batch.prepared[item.index]?.received)
  for (const item of items) for (const id of item.attachments) ids.add(id)
  const db = batch.tx.db
  const rows = await db
    .selectFrom('files')
    .select(['id', 'owner', 'status', 'expires_at', 'deleted_at'])
    .where('id', 'in', [...ids])
    .execute()
  const files = new Map(rows.map((r) => [r.id, r]))
  const usable = (id: string) => {
    const f = files.get(id)
    return (
      f !== undefined &&
      f.status === 'ready' &&
      (f.expires_at === null || Number(f.expires_at) > batch.now)
    )
  }
  // Files that are not the sender's own: did the sender get them in a message?
  const foreign = new Set<string>()
  const senders = new Set<string>()
  for (const item of items) {
    if (item.from === null) continue
    for (const id of item.attachments) {
      const f = files.get(id)
      if (usable(id) && !(f!.owner === item.from && f!.deleted_at === null)) {
        foreign.add(id)
        senders.add(item.from)
      }
    }
  }
  const received = new Set<string>()
  if (foreign.size > 0) {
    const links = await db
      .selectFrom('message_files as mf')
      .innerJoin('box_entries as e', 'e.message_id', 'mf.message_id')
      .select(['mf.file_id', 'e.owner'])
      .distinct()
      .where('mf.file_id', 'in', [...foreign])
      .where('e.owner', 'in', [...senders])
      .where('e.role', '=', 'received')
      .execute()
    for (const l of links) received.add(`${l.owner}\u0000${l.file_id}`)
  }
  for (const item of items) {
    if (item.attachments.length === 0) continue
    const missing = item.attachments.filter((id) => {
      const f = files.get(id)
      // Deleted by its owner and not received: gone, as far as the owner is concerned.
      return !usable(id) || (f!.owner === item.from && f!.deleted_at !== null && !got(item, id))
    })
    if (missing.length > 0) {
      verdicts.refuse(item, notFound(missing))
      continue
    }
    if (item.from === null) continue
    const refused = item.attachments.filter((id) => {
      const f = files.get(id)!
      return f.owner !== item.from && !got(item, id)
    })
    if (refused.length > 0) verdicts.refuse(item, forbidden(item.from, refused))
  }

  function got(item: SendItem, id: string): boolean {
    return item.from !== null && received.has(`${item.from}\u0000${id}`)
  }
}

function notFound(ids: string[]): PigeonholeError {
  return new PigeonholeError(
    'not_found',
    `attachments: no file ${ids.map((id) => `"${id}"`).join(', ')} (unknown, not finished uploading, deleted or expired); nothing was sent`,
    { field: 'attachments', fileIds: ids },
  )
}

function forbidden(from: string, ids: string[]): PigeonholeError {
  return new PigeonholeError(
    'forbidden',
    `attachments: "${from}" may not attach ${ids.map((id) => `"${id}"`).join(', ')}: only files they uploaded or received in a message; nothing was sent`,
    { field: 'attachments', fileIds: ids, address: from },
  )
}
