import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { chunk } from '../util/chunk.js'
import { enqueueReceipts } from './outbox.js'

/**
 * `owner` read these entries: for the messages from remote senders read for the first time
 * now (`seen_at` set by this mark), a `read` receipt goes back to the sender's engine. Only
 * with a transport (the caller checks `ctx.delivery`).
 */
export async function remoteReads(
  ctx: EngineContext,
  tx: WriteTx,
  owner: string,
  rows: readonly { message_id: string; role: string }[],
): Promise<void> {
  const ids = rows.filter((r) => r.role === 'received').map((r) => r.message_id)
  if (ids.length === 0) return
  for (const part of chunk(ids, ctx.maxParameters - 2)) {
    const found = await tx.db
      .selectFrom('messages as m')
      .innerJoin('box_entries as e', (j) =>
        j
          .onRef('e.message_id', '=', 'm.id')
          .on('e.owner', '=', owner)
          .on('e.role', '=', 'received'),
      )
      .select(['m.id', 'm.sender'])
      .where('m.id', 'in', part)
      .where('m.sender', 'like', '%@%')
      .where('e.seen_at', '=', tx.now)
      .execute()
    await enqueueReceipts(
      ctx,
      tx,
      found.map((r) => ({ messageId: r.id, owner, sender: r.sender!, status: 'read' as const })),
    )
  }
}
