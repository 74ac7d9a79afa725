import { z } from 'zod'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { isPigeonholeError, PigeonholeError } from '../errors.js'
import { sendInput } from '../messages/schemas.js'
import { refusedEvent, storeSends } from '../send/pipeline.js'
import { PolicyThrew } from '../send/policy-threw.js'
import { type PreparedSend, prepareSend } from '../send/prepare.js'
import type { Delivery, DeliveryAck, MessageDelivery, ReceiptDelivery } from '../transport/port.js'
import { address, jsonObject, messageId, text, timestamp } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import { applyReceipt } from './receipts.js'

const where = 'delivery'

const messageDelivery = z.object({
  kind: z.literal('message'),
  id: text(1, 200),
  message: z.object({
    id: messageId,
    from: address,
    to: z.array(address).min(1).max(1000),
    for: z.array(address).min(1).max(1000),
    content: jsonObject,
    attachments: z.array(z.unknown()).max(100),
    threadId: text(1, 200).nullable(),
    createdAt: timestamp,
  }),
})

const receiptDelivery = z.object({
  kind: z.literal('receipt'),
  id: text(1, 200),
  messageId,
  recipient: address,
  status: z.enum(['delivered', 'read', 'failed']),
  at: timestamp,
  code: text(1, 200).optional(),
  message: text(0, 10_000).optional(),
})

const delivery = z.discriminatedUnion('kind', [messageDelivery, receiptDelivery])

/** One delivery as checked here, or why it was refused before anything was stored. */
type Checked =
  | { kind: 'message'; id: string; send: PreparedSend; for: string[] }
  | { kind: 'receipt'; id: string; receipt: ReceiptDelivery }
  | { kind: 'invalid'; ack: DeliveryAck }

/**
 * The engine's `DeliveryReceiver`: takes a peer's batch and answers each delivery, in order,
 * only after its commit. A message is stored once (the same id again: `duplicate`), for its
 * local recipients, through the send pipeline as a send from the remote sender would be
 * (consent, accounts-exist, request-content and the content hooks run; no `sent` entry, no
 * sender account check; it keeps its id and createdAt); a recipient left out (not
 * registered, no consent) gets a `failed` receipt back, and a delivery with no recipient left
 * is `refused` with the code. A receipt updates this engine's receipt rows. Every refusal is
 * recorded here too, as a `delivery.refused` event. One transaction for the batch; if it
 * fails, one per delivery, so one bad delivery cannot hold the others back.
 */
export async function receiveBatch(
  ctx: EngineContext,
  from: string,
  batch: readonly Delivery[],
): Promise<DeliveryAck[]> {
  const peer = String(from).toLowerCase()
  const checked = (Array.isArray(batch) ? batch : []).map((d) => check(ctx, peer, d))
  try {
    return await ctx.write((tx) => store(ctx, tx, peer, checked), where)
  } catch (error) {
    if (checked.length <= 1) return [await refusal(ctx, checked[0], error)]
  }
  const acks: DeliveryAck[] = []
  for (const one of checked) {
    try {
      acks.push(...(await ctx.write((tx) => store(ctx, tx, peer, [one]), where)))
    } catch (error) {
      acks.push(await refusal(ctx, one, error))
    }
  }
  return acks
}

/**
 * A delivery whose write threw: refused with the engine's code when the error is the
 * engine's answer (a guard, a decider's or policy's PigeonholeError), recorded by a
 * `delivery.refused` event; any other error (the store, closing) is thrown, and the peer
 * retries.
 */
async function refusal(
  ctx: EngineContext,
  one: Checked | undefined,
  thrown: unknown,
): Promise<DeliveryAck> {
  const error = thrown instanceof PolicyThrew ? thrown.cause : thrown
  if (
    !one ||
    !isPigeonholeError(error) ||
    error.code === 'store_error' ||
    error.code === 'closed' ||
    one.kind === 'invalid'
  ) {
    throw thrown
  }
  if (one.kind === 'message') {
    await ctx.write(async (tx) => {
      for (const owner of one.for) {
        tx.emit(refusedEvent(null, one.send.received!.id, one.send.from!, owner, error))
      }
    }, where)
  }
  return { id: one.id, status: 'refused', code: error.code, message: error.message }
}

function check(ctx: EngineContext, peer: string, raw: unknown): Checked {
  const id =
    raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : ''
  try {
    const d = parseInput(delivery, raw, where, 'delivery')
    if (d.kind === 'receipt') return { kind: 'receipt', id: d.id, receipt: d as ReceiptDelivery }
    return { kind: 'message', id: d.id, ...prepared(ctx, peer, d as MessageDelivery) }
  } catch (error) {
    if (!isPigeonholeError(error)) throw error
    return {
      kind: 'invalid',
      ack: { id, status: 'refused', code: error.code, message: error.message },
    }
  }
}

/** A peer's message as a send from its remote sender to this engine's recipients. */
function prepared(
  ctx: EngineContext,
  peer: string,
  d: MessageDelivery,
): { send: PreparedSend; for: string[] } {
  const m = d.message
  const norm = (a: string) => normalizeAddress(a, ctx.peerId)
  const sender = norm(m.from)
  const at = sender.indexOf('@')
  if (at < 0 || sender.slice(at + 1) !== peer) {
    throw new PigeonholeError(
      'forbidden',
      `${where}: message.from: "${m.from}" is not an address of the sending peer "${peer}"`,
      { field: 'message.from', from: m.from, peer },
    )
  }
  const here = [...new Set(m.for.map(norm))]
  const away = here.filter((a) => a.includes('@'))
  if (away.length > 0) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: message.for: ${away.map((a) => `"${a}"`).join(', ')} ${away.length === 1 ? 'is' : 'are'} not of this peer ("${ctx.peerId}")`,
      { field: 'message.for', addresses: away },
    )
  }
  const input = parseInput(
    sendInput,
    { from: sender, to: here, content: m.content, onConsentMissing: 'skip' },
    where,
    'message',
  )
  const send = prepareSend(ctx, input, where)
  send.received = { id: m.id, createdAt: m.createdAt, to: [...new Set(m.to.map(norm))] }
  return { send, for: here }
}

async function store(
  ctx: EngineContext,
  tx: WriteTx,
  peer: string,
  checked: readonly Checked[],
): Promise<DeliveryAck[]> {
  const acks: (DeliveryAck | undefined)[] = new Array(checked.length)
  // Deduplicated by message id: stored before (or earlier in this batch) is a duplicate.
  const ids = checked.flatMap((c) => (c.kind === 'message' ? [c.send.received!.id] : []))
  const stored = new Map<string, string | null>()
  if (ids.length > 0) {
    const rows = await tx.db
      .selectFrom('messages')
      .select(['id', 'sender'])
      .where('id', 'in', [...new Set(ids)])
      .execute()
    for (const r of rows) stored.set(r.id, r.sender)
  }
  const sends: PreparedSend[] = []
  const sendAt: number[] = []
  for (let i = 0; i < checked.length; i++) {
    const c = checked[i]!
    if (c.kind === 'invalid') {
      acks[i] = c.ack
    } else if (c.kind === 'receipt') {
      const refused = await applyReceipt(ctx, tx, peer, c.receipt)
      acks[i] = refused
        ? { id: c.id, status: 'refused', ...refused }
        : { id: c.id, status: 'accepted' }
    } else {
      const mid = c.send.received!.id
      if (stored.has(mid)) {
        acks[i] =
          stored.get(mid) === c.send.from
            ? { id: c.id, status: 'duplicate' }
            : {
                id: c.id,
                status: 'refused',
                code: 'already_exists',
                message: `message id "${mid}" is taken here by another sender`,
              }
        continue
      }
      stored.set(mid, c.send.from)
      sends.push(c.send)
      sendAt.push(i)
    }
  }
  if (sends.length > 0) {
    const outcomes = await storeSends(ctx, tx, sends)
    outcomes.forEach((outcome, k) => {
      const i = sendAt[k]!
      const c = checked[i] as Extract<Checked, { kind: 'message' }>
      if (outcome.status === 'failed') {
        const e = outcome.error
        // A recipient that is not registered here is no owner of anything.
        const owned = e.code !== 'recipient_not_found'
        for (const owner of c.for) {
          tx.emit(refusedEvent(owned ? owner : null, c.send.received!.id, c.send.from!, owner, e))
        }
        acks[i] = { id: c.id, status: 'refused', code: e.code, message: e.message }
      } else {
        acks[i] = { id: c.id, status: outcome.status === 'created' ? 'accepted' : 'duplicate' }
      }
    })
  }
  return acks as DeliveryAck[]
}
