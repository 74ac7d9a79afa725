import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { toMessage } from '../messages/rows.js'
import type { Message, SkippedRecipient } from '../types.js'
import { payloadHash } from '../util/canonical-json.js'
import type { EngineBatch, WrittenSend } from './content-hooks.js'
import { Judgement } from './judge.js'
import type { SendItem } from './policy.js'
import { keyOf, lookupKeys, type MessageRow, type PreparedSend } from './prepare.js'
import { TxPolicyReader } from './reader.js'
import { resolve } from './resolve.js'
import { SendWriter } from './write.js'

/** What happened to one send of a batch. */
export type SendOutcome =
  | { status: 'created'; message: Message; skipped?: SkippedRecipient[] }
  | { status: 'duplicate'; message: Message }
  | { status: 'failed'; error: PigeonholeError }

/**
 * The send pipeline, in the caller's transaction: prepare (the idempotency lookup; parsing and
 * size checks ran before the transaction, `prepareSend`) → resolve → policies → write. Every
 * step reads for the whole batch at once. Every check is a read made before any write, so an
 * item that fails writes nothing; the others are stored together. What a policy throws
 * propagates, and the caller's transaction rolls back.
 */
export async function storeSends(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<SendOutcome[]> {
  const stored = await lookupKeys(tx, items, ctx.maxParameters)
  const { threads, recipients, accounts } = await resolve(ctx, tx, items)

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
    if (item.from !== null && !accounts.has(item.from)) {
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
  } as Omit<EngineBatch, 'items'>)
  // Awaited only when a step was async: the built-in ones are not.
  const pending = judgement.run(ctx.policies)
  if (pending) await pending

  const writer = new SendWriter(ctx, tx)
  const written = new Map<string, MessageRow>()
  items.forEach((item, i) => {
    if (outcomes[i]) return
    const key = keyOf(item)
    // A key used earlier in the batch answers as a stored one would, whatever the policies said.
    const earlier = key === null ? undefined : written.get(key)
    if (earlier) {
      outcomes[i] = answerKey(item, earlier, hashes[i]!)
      return
    }
    const error = judgement.errors[i]
    if (error) {
      outcomes[i] = { status: 'failed', error }
      return
    }
    const to = judgement.to[i] ?? recipients[i]!
    const { row, message } = writer.add(item, to, hashes[i]!, judgement.routes[i])
    if (key !== null) written.set(key, row as MessageRow)
    const skipped = judgement.skipped[i]
    outcomes[i] = skipped ? { status: 'created', message, skipped } : { status: 'created', message }
  })
  await writer.flush()
  await runContentHooks(ctx, tx, items, outcomes)
  return outcomes
}

/** Hands each stored message whose `@type` has a content hook to it (the Request protocol). */
async function runContentHooks(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
  outcomes: readonly SendOutcome[],
): Promise<void> {
  let byType: Map<string, WrittenSend[]> | undefined
  outcomes.forEach((outcome, i) => {
    if (outcome.status !== 'created') return
    const type = outcome.message.content['@type']
    if (typeof type !== 'string' || !ctx.contentHooks.has(type)) return
    byType ??= new Map()
    const list = byType.get(type) ?? []
    byType.set(type, list)
    list.push({ item: items[i]!, message: outcome.message })
  })
  if (!byType) return
  for (const [type, sends] of byType) await ctx.contentHooks.get(type)!.written(ctx, tx, sends)
}

/** A key used before: the same payload is that message again, another one a conflict. */
function answerKey(item: PreparedSend, previous: MessageRow, hash: string | null): SendOutcome {
  if (previous.payload_hash === hash) return { status: 'duplicate', message: toMessage(previous) }
  return {
    status: 'failed',
    error: new PigeonholeError(
      'idempotency_conflict',
      `idempotencyKey: "${item.idempotencyKey}" was used by ${item.from ?? 'the system'} for a different message (${previous.id})`,
      { field: 'idempotencyKey', idempotencyKey: item.idempotencyKey, messageId: previous.id },
    ),
  }
}

function noSender(from: string): PigeonholeError {
  return new PigeonholeError('not_found', `from: no account "${from}"`, {
    field: 'from',
    address: from,
  })
}
