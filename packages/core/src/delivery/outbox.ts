import type { Insertable } from 'kysely'
import type { OutboxTable, RemoteReceiptsTable } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { insertRows } from '../engine/insert-rows.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { MessageDelivery, ReceiptDelivery } from '../transport/port.js'
import type { Message } from '../types.js'
import { chunk } from '../util/chunk.js'

/** The peer of a remote address (`bob@other` → `other`); remote addresses always have one. */
export function peerOf(address: string): string {
  return address.slice(address.indexOf('@') + 1)
}

/** `bob@other` → `bob`. */
export function nameOf(address: string): string {
  const at = address.indexOf('@')
  return at < 0 ? address : address.slice(0, at)
}

/** A local address as a remote peer sees it: `alice` → `alice@<peerId>`; remote ones stay. */
export function asSeenRemotely(address: string, peerId: string): string {
  return address.includes('@') ? address : `${address}@${peerId}`
}

/**
 * A stored message's remote recipients are on their way: per remote peer one outbox row (the
 * delivery for all its recipients there), and per remote recipient a `pending` receipt. In
 * the send's transaction.
 */
export async function enqueueMessages(
  ctx: EngineContext,
  tx: WriteTx,
  sends: readonly { message: Message; remote: readonly string[] }[],
): Promise<void> {
  const outbox: Insertable<OutboxTable>[] = []
  const receipts: Insertable<RemoteReceiptsTable>[] = []
  for (const { message, remote } of sends) {
    const byPeer = new Map<string, string[]>()
    for (const to of remote) {
      const peer = peerOf(to)
      const list = byPeer.get(peer) ?? []
      byPeer.set(peer, list)
      list.push(to)
      receipts.push({
        message_id: message.id,
        recipient: to,
        peer,
        status: 'pending',
        code: null,
        message: null,
        delivered_at: null,
        read_at: null,
        updated_at: tx.now,
      })
    }
    for (const [peer, here] of byPeer) {
      const delivery: Omit<MessageDelivery, 'id'> = {
        kind: 'message',
        message: {
          id: message.id,
          from: asSeenRemotely(message.from!, ctx.peerId),
          to: message.to.map((a) =>
            a.includes('@') ? (peerOf(a) === peer ? nameOf(a) : a) : `${a}@${ctx.peerId}`,
          ),
          for: here.map(nameOf),
          content: message.content,
          // File ids here; the worker sends each as a DeliveredFile (delivery/files-out.ts).
          attachments: message.attachments as never,
          threadId: message.threadId,
          createdAt: message.createdAt,
        },
      }
      outbox.push(row(ctx, tx, peer, message.from!, 'message', message.id, delivery))
    }
  }
  await insertRows(ctx.templates, tx, 'outbox', outbox, ctx.maxParameters)
  await insertRows(ctx.templates, tx, 'remote_receipts', receipts, ctx.maxParameters)
  tx.afterCommit(ctx.delivery!.wake)
}

/** A receipt for a remote sender's message, from one of its local recipients. */
export interface OutgoingReceipt {
  messageId: string
  /** The local recipient. */
  owner: string
  /** The message's sender, a remote address. */
  sender: string
  status: 'delivered' | 'read' | 'failed'
  code?: string
  message?: string
}

/** Receipts on their way back to the senders' engines, in the caller's transaction. */
export async function enqueueReceipts(
  ctx: EngineContext,
  tx: WriteTx,
  receipts: readonly OutgoingReceipt[],
): Promise<void> {
  if (receipts.length === 0) return
  const rows = receipts.map((r) => {
    const delivery: Omit<ReceiptDelivery, 'id'> = {
      kind: 'receipt',
      messageId: r.messageId,
      recipient: `${r.owner}@${ctx.peerId}`,
      status: r.status,
      at: tx.now,
      ...(r.code !== undefined && { code: r.code }),
      ...(r.message !== undefined && { message: r.message }),
    }
    return row(ctx, tx, peerOf(r.sender), r.owner, 'receipt', r.messageId, delivery)
  })
  await insertRows(ctx.templates, tx, 'outbox', rows, ctx.maxParameters)
  tx.afterCommit(ctx.delivery!.wake)
}

function row(
  ctx: EngineContext,
  tx: WriteTx,
  peer: string,
  pair: string,
  kind: 'message' | 'receipt',
  messageId: string,
  delivery: object,
): Insertable<OutboxTable> {
  return {
    id: ctx.ids.next('dlv'),
    peer,
    pair,
    kind,
    message_id: messageId,
    payload: JSON.stringify(delivery),
    created_at: tx.now,
    due_at: tx.now,
    attempts: 0,
    claimed_by: null,
    claimed_until: null,
    last_error: null,
  }
}

/** Pending receipts per remote recipient (for the cap), one read per batch. */
export async function pendingCounts(
  ctx: EngineContext,
  tx: WriteTx,
  recipients: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const part of chunk(recipients, ctx.maxParameters - 1)) {
    const rows = await tx.db
      .selectFrom('remote_receipts')
      .select(['recipient', (eb) => eb.fn.countAll<number>().as('n')])
      .where('recipient', 'in', part)
      .where('status', '=', 'pending')
      .groupBy('recipient')
      .execute()
    for (const r of rows) counts.set(r.recipient, Number(r.n))
  }
  return counts
}
