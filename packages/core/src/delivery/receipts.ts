import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { ReceiptDelivery } from '../transport/port.js'
import { peerOf } from './outbox.js'

/** How far a remote receipt has come: it only ever moves forward. */
const rank: Record<string, number> = { pending: 0, delivered: 1, read: 2, failed: 1 }

/**
 * Remote recipients of a message failed for good (refused by their engine, or undeliverable):
 * their `pending` receipts become `failed` with the code, and the sender gets one
 * `delivery.failed` event per recipient. A receipt already delivered or read stays.
 */
export async function failReceipts(
  ctx: EngineContext,
  tx: WriteTx,
  messageId: string,
  recipients: readonly string[],
  why: { code: string; message: string },
): Promise<void> {
  const message = await tx.db
    .selectFrom('messages')
    .select('sender')
    .where('id', '=', messageId)
    .executeTakeFirst()
  const failed = await tx.db
    .updateTable('remote_receipts')
    .set({ status: 'failed', code: why.code, message: why.message, updated_at: tx.now })
    .where('message_id', '=', messageId)
    .where('recipient', 'in', recipients)
    .where('status', '=', 'pending')
    .returning('recipient')
    .execute()
  for (const { recipient } of failed) {
    tx.emit({
      type: 'delivery.failed',
      owner: message?.sender ?? null,
      messageId,
      data: { recipient, peer: peerOf(recipient), code: why.code, message: why.message },
    })
  }
  void ctx
}

/**
 * A receipt from `from` (a peer) about one of this engine's messages: applied to the
 * recipient's receipt row, idempotent and monotonic (a `read` before its `delivered` is
 * fine; an older status never replaces a newer one). Returns an error code when the receipt
 * is not acceptable: `not_found` (no such message or remote recipient of it), `forbidden`
 * (the recipient is not at `from`).
 */
export async function applyReceipt(
  ctx: EngineContext,
  tx: WriteTx,
  from: string,
  receipt: ReceiptDelivery,
): Promise<{ code: string; message: string } | undefined> {
  const recipient = receipt.recipient.toLowerCase()
  if (!recipient.includes('@') || peerOf(recipient) !== from) {
    return {
      code: 'forbidden',
      message: `a receipt for "${recipient}" must come from its peer, not from "${from}"`,
    }
  }
  const row = await tx.db
    .selectFrom('remote_receipts')
    .selectAll()
    .where('message_id', '=', receipt.messageId)
    .where('recipient', '=', recipient)
    .executeTakeFirst()
  if (!row) {
    return {
      code: 'not_found',
      message: `no message "${receipt.messageId}" to "${recipient}" here`,
    }
  }
  if (receipt.status === 'failed') {
    await failReceipts(ctx, tx, receipt.messageId, [recipient], {
      code: receipt.code ?? 'refused',
      message: receipt.message ?? `"${recipient}" refused the message`,
    })
    return undefined
  }
  if (row.status === 'failed') return undefined
  const at = receipt.at
  const status = rank[receipt.status]! > rank[row.status]! ? receipt.status : row.status
  const deliveredAt = row.delivered_at === null ? at : Number(row.delivered_at)
  const readAt =
    receipt.status === 'read' && row.read_at === null
      ? at
      : row.read_at === null
        ? null
        : Number(row.read_at)
  if (
    status === row.status &&
    deliveredAt === (row.delivered_at === null ? null : Number(row.delivered_at)) &&
    readAt === (row.read_at === null ? null : Number(row.read_at))
  ) {
    return undefined
  }
  await tx.db
    .updateTable('remote_receipts')
    .set({ status, delivered_at: deliveredAt, read_at: readAt, updated_at: tx.now })
    .where('message_id', '=', receipt.messageId)
    .where('recipient', '=', recipient)
    .execute()
  return undefined
}
