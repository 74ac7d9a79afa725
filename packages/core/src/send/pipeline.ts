import { enqueueMessages, enqueueReceipts, type OutgoingReceipt } from '../delivery/outbox.js'
import type { EngineContext } from '../engine/context.js'
import type { NewEvent, WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { toMessage } from '../messages/rows.js'
import type { Message, SkippedRecipient } from '../types.js'
import { payloadHash } from '../util/canonical-json.js'
import type { EngineBatch, WrittenSend } from './content-hooks.js'
import { Judgement } from './judge.js'
import type { SendItem } from './policy.js'
import { keyOf, lookupKeys, type MessageRow, type PreparedSend } from './prepare.js'
import type { RateSession } from './rate-limit.js'
import { TxPolicyReader } from './reader.js'
import { resolve } from './resolve.js'
import { SendWriter } from './write.js'

/** What happened to one send of a batch. */
export type SendOutcome =
  | { status: 'created'; message: Message; skipped?: SkippedRecipient[] }
  | { status: 'duplicate'; message: Message }
  | { status: 'failed'; error: PigeonholeError }

/**
 * What a dry run found for one send: what the real send would report, and per recipient
 * whether it would get the message and in which box.
 */
export type DryOutcome = (
  | { status: 'created' }
  | { status: 'duplicate'; message?: Message }
  | { status: 'failed'; error: PigeonholeError }
) & { recipients: DryRecipient[] }

export interface DryRecipient {
  recipient: string
  /**
   * delivered: it would get an entry (in `box`); refused: a check refused this recipient
   * (`error`); not_sent: the send as a whole would fail, so it gets nothing.
   */
  outcome: 'delivered' | 'refused' | 'not_sent'
  box?: string
  error?: PigeonholeError
}

/**
 * The send pipeline, in the caller's transaction: prepare (the idempotency lookup; parsing and
 * size checks ran before the transaction, `prepareSend`) → resolve → policies → rate limit →
 * write. Every step reads for the whole batch at once. Every check is a read made before any
 * write, so an item that fails writes nothing; the others are stored together. What a policy
 * throws propagates, and the caller's transaction rolls back.
 */
export async function storeSends(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<SendOutcome[]> {
  const { outcomes, hashes, recipients, judgement } = await judgeSends(ctx, tx, items)
  // Only when a limit is configured: no limit, no work on the hot path.
  const limits = ctx.limiter?.session(tx, false)
  const writer = new SendWriter(ctx, tx)
  const written = new Map<string, MessageRow>()
  /** Messages with remote recipients (made only when the remote-routing step routed some). */
  let routed: { message: Message; remote: string[] }[] | undefined
  /** Receipts back to the senders of messages from peers. */
  let receipts: OutgoingReceipt[] | undefined
  /** Local recipients of messages from peers, for the content hooks. */
  let local: Map<number, readonly string[]> | undefined
  items.forEach((item, i) => {
    if (outcomes[i]) return
    const key = keyOf(item)
    // A key used earlier in the batch answers as a stored one would, whatever the policies said.
    const earlier = key === null ? undefined : written.get(key)
    if (earlier) {
      outcomes[i] = answerKey(item, earlier, hashes[i]!)
      return
    }
    const error = judgement.errors[i] ?? (limits && admit(limits, item))
    if (error) {
      outcomes[i] = { status: 'failed', error }
      return
    }
    const to = judgement.to[i] ?? recipients[i]!
    const remote = judgement.remote[i]
    const { row, message } = writer.add(item, to, hashes[i]!, judgement.routes[i], remote)
    if (key !== null) written.set(key, row as MessageRow)
    if (remote) {
      const out = to.filter((a) => remote.has(a))
      if (out.length > 0) {
        routed ??= []
        routed.push({ message, remote: out })
      }
    }
    if (item.received) {
      receipts ??= []
      local ??= new Map()
      local.set(i, to)
      receivedBack(tx, item, message, to, judgement.left[i], receipts)
    }
    const skipped = judgement.skipped[i]
    outcomes[i] = skipped ? { status: 'created', message, skipped } : { status: 'created', message }
  })
  await writer.flush()
  if (routed) await enqueueMessages(ctx, tx, routed)
  if (receipts) await enqueueReceipts(ctx, tx, receipts)
  await runContentHooks(ctx, tx, items, outcomes, local)
  return outcomes
}

/**
 * A message from a peer was stored for `to`: a `delivered` receipt for each goes back to the
 * sender's engine, and a `failed` one (with a `delivery.refused` event here) for each local
 * recipient a step left out (not registered, no consent).
 */
function receivedBack(
  tx: WriteTx,
  item: PreparedSend,
  message: Message,
  to: readonly string[],
  left: Map<string, PigeonholeError> | undefined,
  receipts: OutgoingReceipt[],
): void {
  const sender = item.from!
  for (const owner of to) {
    receipts.push({ messageId: message.id, owner, sender, status: 'delivered' })
  }
  if (!left) return
  for (const [owner, error] of left) {
    receipts.push({
      messageId: message.id,
      owner,
      sender,
      status: 'failed',
      code: error.code,
      message: error.message,
    })
    tx.emit(
      refusedEvent(
        error.code === 'recipient_not_found' ? null : owner,
        message.id,
        sender,
        owner,
        error,
      ),
    )
  }
}

/** The receiving side's record of a refused delivery (or of one refused recipient of it). */
export function refusedEvent(
  owner: string | null,
  messageId: string,
  from: string,
  recipient: string,
  error: { code: string; message: string },
): NewEvent {
  return {
    type: 'delivery.refused',
    owner,
    messageId,
    data: { from, recipient, code: error.code, message: error.message },
  }
}

/**
 * A dry run of `storeSends`: every check the same (the rate limit peeked, never taken), and
 * per item what would happen, writing nothing. The caller rolls the transaction back too.
 */
export async function dryRunSends(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<DryOutcome[]> {
  const { outcomes, hashes, recipients, judgement } = await judgeSends(ctx, tx, items)
  const limits = ctx.limiter?.session(tx, true)
  /** The keys of the batch's sends that would be stored, with their payload hashes. */
  const planned = new Map<string, string | null>()
  return items.map((item, i): DryOutcome => {
    const to = recipients[i]!
    const before = outcomes[i]
    if (before) {
      if (before.status === 'failed') return failedFor(to, before.error, undefined)
      return { status: before.status, message: before.message, recipients: [] }
    }
    const key = keyOf(item)
    // The batch's own earlier send of this key would be stored first: this one answers as it.
    if (key !== null && planned.has(key)) {
      if (planned.get(key) === hashes[i]) return { status: 'duplicate', recipients: [] }
      return failedFor(to, keyConflict(item, undefined), undefined)
    }
    const left = judgement.left[i]
    const error = judgement.errors[i] ?? (limits && admit(limits, item))
    if (error) return failedFor(to, error, left)
    if (key !== null) planned.set(key, hashes[i]!)
    const routes = judgement.routes[i]
    const kept = new Set(judgement.to[i] ?? to)
    return {
      status: 'created',
      recipients: to.map((recipient): DryRecipient => {
        if (!kept.has(recipient)) {
          return { recipient, outcome: 'refused', error: left?.get(recipient) }
        }
        // A remote recipient's box is its engine's to choose: sent, not placed.
        if (judgement.remote[i]?.has(recipient)) return { recipient, outcome: 'delivered' }
        return { recipient, outcome: 'delivered', box: routes?.get(recipient) ?? 'inbox' }
      }),
    }
  })
}

/** The rate limit of a send; Responses that `requests.accept`/`reject` send are not counted. */
function admit(limits: RateSession, item: PreparedSend): PigeonholeError | undefined {
  return item.origin === 'requests' ? undefined : limits.admit(item.from)
}

/** A failed send's recipients: those its error (or a partial step) names refused, the rest not sent. */
function failedFor(
  to: readonly string[],
  error: PigeonholeError,
  left: Map<string, PigeonholeError> | undefined,
): DryOutcome {
  const named = recipientsNamed(error)
  return {
    status: 'failed',
    error,
    recipients: to.map((recipient): DryRecipient => {
      const own = left?.get(recipient) ?? (named.has(recipient) ? error : undefined)
      return own
        ? { recipient, outcome: 'refused', error: own }
        : { recipient, outcome: 'not_sent' }
    }),
  }
}

/**
 * The recipients an error is about, from its details: `recipient` (a host policy's refusal of
 * one recipient), `missing` (recipient_not_found), `addresses` on field `to` (not thread
 * participants), `recipients` or `refused` (lists of addresses or of `{ recipient }`).
 */
function recipientsNamed(error: PigeonholeError): Set<string> {
  const d = error.details
  const named = new Set<string>()
  const add = (v: unknown) => {
    if (typeof v === 'string') named.add(v)
    else if (
      v !== null &&
      typeof v === 'object' &&
      typeof (v as { recipient?: unknown }).recipient === 'string'
    ) {
      named.add((v as { recipient: string }).recipient)
    }
  }
  add(d.recipient)
  for (const list of [
    d.missing,
    d.recipients,
    d.refused,
    d.field === 'to' ? d.addresses : undefined,
  ]) {
    if (Array.isArray(list)) list.forEach(add)
  }
  return named
}

/**
 * Prepare, resolve and policies: what a batch's items would become, before the rate limit
 * and the write. `outcomes` holds the items answered before the policies (a missing sender,
 * a stored key).
 */
async function judgeSends(ctx: EngineContext, tx: WriteTx, items: readonly PreparedSend[]) {
  const stored = await lookupKeys(tx, items, ctx.maxParameters)
  const { threads, recipients, accounts, consents } = await resolve(ctx, tx, items)

  const outcomes: SendOutcome[] = new Array(items.length)
  const hashes: (string | null)[] = new Array(items.length)
  const live: SendItem[] = []
  items.forEach((item, i) => {
    const to = recipients[i]!
    // Only a keyed send is compared with an earlier one: hash nothing else (hot path).
    const hash =
      item.idempotencyKey === null
        ? null
        : payloadHash({
            // Sorted: a retry naming the recipients in another order is the same send.
            to: [...to].sort(),
            content: item.content,
            attachments: item.attachments,
            threadId: item.threadId,
          })
    hashes[i] = hash
    // Before the key lookup: the keys of a removed sender answer no one.
    if (item.from !== null && !accounts.has(item.from) && !item.received) {
      outcomes[i] = { status: 'failed', error: noSender(item.from) }
      return
    }
    const key = keyOf(item)
    const previous = key === null ? undefined : stored.get(key)
    if (previous) {
      outcomes[i] = answerKey(item, previous, hash)
      return
    }
    live.push({
      index: i,
      from: item.from,
      to,
      named: item.to,
      content: item.content,
      attachments: item.attachments,
      threadId: item.threadId,
      thread: item.threadId === null ? undefined : threads.get(item.threadId),
      broadcast: false,
    })
  })

  // ctx, tx and prepared are for the built-in steps (EngineBatch); host steps see SendBatch.
  const judgement = new Judgement(live, {
    accounts,
    now: tx.now,
    reader: new TxPolicyReader(tx, ctx.templates, ctx.maxParameters),
    ctx,
    tx,
    prepared: items,
    ...(consents && { consents }),
  } as Omit<EngineBatch, 'items'>)
  // Awaited only when a step was async: the built-in ones are not.
  const pending = judgement.run(ctx.policies)
  if (pending) await pending
  return { outcomes, hashes, recipients, judgement }
}

/** Hands each stored message whose `@type` has a content hook to it (the Request protocol). */
async function runContentHooks(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
  outcomes: readonly SendOutcome[],
  local: Map<number, readonly string[]> | undefined,
): Promise<void> {
  let byType: Map<string, WrittenSend[]> | undefined
  outcomes.forEach((outcome, i) => {
    if (outcome.status !== 'created') return
    const type = outcome.message.content['@type']
    if (typeof type !== 'string' || !ctx.contentHooks.has(type)) return
    byType ??= new Map()
    const list = byType.get(type) ?? []
    byType.set(type, list)
    const here = local?.get(i)
    list.push(
      here
        ? { item: items[i]!, message: outcome.message, local: here }
        : { item: items[i]!, message: outcome.message },
    )
  })
  if (!byType) return
  for (const [type, sends] of byType) await ctx.contentHooks.get(type)!.written(ctx, tx, sends)
}

/** A key used before: the same payload is that message again, another one a conflict. */
function answerKey(item: PreparedSend, previous: MessageRow, hash: string | null): SendOutcome {
  if (previous.payload_hash === hash) return { status: 'duplicate', message: toMessage(previous) }
  return { status: 'failed', error: keyConflict(item, previous.id) }
}

/**
 * The key was used for another payload: by a stored message, or (no id: a dry run) by an
 * earlier item of the batch.
 */
function keyConflict(item: PreparedSend, messageId: string | undefined): PigeonholeError {
  return new PigeonholeError(
    'idempotency_conflict',
    `idempotencyKey: "${item.idempotencyKey}" was used by ${item.from ?? 'the system'} for a different message (${messageId ?? 'an earlier item of this batch'})`,
    {
      field: 'idempotencyKey',
      idempotencyKey: item.idempotencyKey,
      ...(messageId !== undefined && { messageId }),
    },
  )
}

function noSender(from: string): PigeonholeError {
  return new PigeonholeError('not_found', `from: no account "${from}"`, {
    field: 'from',
    address: from,
  })
}
