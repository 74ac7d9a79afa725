import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { metaOf } from '../files/queries.js'
import { type DryOutcome, dryRunSends, storeSends } from '../send/pipeline.js'
import { unwrapPolicyError } from '../send/policy-threw.js'
import { type PreparedSend, prepareSend } from '../send/prepare.js'
import type {
  BoxItem,
  Message,
  NumberedPage,
  Page,
  Receipt,
  SendResult,
  SkippedRecipient,
} from '../types.js'
import { parseInput } from '../validation/parse.js'
import { parseItemInput } from '../validation/quick-parse.js'
import { broadcast } from './broadcast.js'
import { retractMessage, updateMessage } from './edit.js'
import { listItems, listPage } from './list.js'
import { type ChangeResult, mark, move, remove } from './mark.js'
import { itemOfOwner, messageOfOwner, receiptsOf } from './read.js'
import { mayResolve, resolveRemote } from './remote.js'
import {
  type BroadcastInput,
  type DeleteInput,
  type GetItemInput,
  type GetMessageInput,
  getMessageInput,
  type ListInput,
  type ListPageInput,
  type MarkInput,
  type MoveInput,
  type ReceiptsInput,
  type RetractInput,
  receiptsInput,
  type SendInput,
  type SendManyItem,
  type SendManyOptions,
  sendInput,
  sendManyInput,
  sendManyItem,
  sendManyOptions,
  type UpdateMessageInput,
} from './schemas.js'

/** A dry run's input: a send's, with `dryRun: true`. */
export type DryRunInput = Omit<SendInput, 'dryRun'> & { dryRun: true }

/** An error as results carry it (a `PigeonholeError`'s code, message and details). */
export interface ErrorInfo {
  code: PigeonholeError['code']
  message: string
  details: Record<string, unknown>
}

/** What a dry run found for one recipient. */
export interface DryRunRecipient {
  recipient: string
  /**
   * `delivered`: it would get an entry, in `box`; `refused`: a check refused this recipient
   * (`error` says which and why); `not_sent`: the send as a whole would fail (see the result's
   * `error`), so it would get nothing.
   */
  outcome: 'delivered' | 'refused' | 'not_sent'
  box?: string
  error?: ErrorInfo
}

/** What `send({ ..., dryRun: true })` found: what the real send would do, having done nothing. */
export interface DryRunResult {
  dryRun: true
  /** True when the real send would succeed: store the message (`created`) or answer a `duplicate`. */
  ok: boolean
  /** What the real send would report: created, duplicate (of `message`, if stored) or failed. */
  status: 'created' | 'duplicate' | 'failed'
  /** A duplicate's stored message: the one the real send would return. */
  message?: Message
  /** Why the real send would fail: the error it would throw. */
  error?: ErrorInfo
  /** Per recipient, in order; empty for a duplicate (nothing new would be delivered) and for invalid input. */
  recipients: DryRunRecipient[]
}

/** One item of a `sendMany` dry run. */
export interface SendManyDryRunItem extends DryRunResult {
  index: number
  identifier: string
}

/** What `sendMany(items, { dryRun: true })` found, item by item, having stored nothing. */
export interface SendManyDryRunResult {
  dryRun: true
  items: SendManyDryRunItem[]
  /** How many items the real call would create, answer as duplicates, fail. */
  created: number
  duplicates: number
  failed: number
}

/** One item's outcome in `sendMany`, in input order. */
export interface SendManyItemResult {
  index: number
  /** The caller's identifier for the item (or its index, when the item had none). */
  identifier: string
  /** created: stored now; duplicate: its idempotency key returned an earlier message; failed: nothing stored. */
  status: 'created' | 'duplicate' | 'failed'
  message?: Message
  /** With `onConsentMissing: 'skip'`: the recipients left out, and why (absent when none). */
  skipped?: SkippedRecipient[]
  error?: { code: PigeonholeError['code']; message: string; details: Record<string, unknown> }
}

export interface SendManyResult {
  items: SendManyItemResult[]
  created: number
  duplicates: number
  failed: number
}

/** Send, read, page, mark, move, delete, edit and retract messages. */
export class Messages {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /**
   * Sends one message; throws if it cannot be stored, and then stores nothing. With
   * `onConsentMissing: 'skip'`, recipients without consent are left out and listed in
   * `skipped` (absent when none were). With `dryRun: true`, runs every check and returns what
   * would happen (`DryRunResult`), storing and emitting nothing.
   */
  send(input: DryRunInput): Promise<DryRunResult>
  send(input: SendInput): Promise<SendResult>
  async send(input: SendInput | DryRunInput): Promise<SendResult | DryRunResult> {
    if (isDryRun(input)) return this.#dryRunOne(input)
    const prepared = prepareSend(
      this.#ctx,
      parseInput(sendInput, input, 'messages.send'),
      'messages.send',
    )
    const [outcome] = await this.#ctx
      .write((tx) => storeSends(this.#ctx, tx, [prepared]), 'messages.send')
      .catch(unwrapPolicyError)
    if (outcome!.status === 'failed') {
      const e = outcome!.error
      throw new PigeonholeError(e.code, `messages.send: ${e.message}`, { ...e.details })
    }
    if (outcome!.status === 'created' && outcome!.skipped) {
      return { ...outcome!.message, skipped: outcome!.skipped }
    }
    return outcome!.message
  }

  /**
   * Up to 1000 sends in one transaction, each with an `identifier`. Invalid or failing items are
   * reported and store nothing; the valid ones are stored together. With `{ dryRun: true }`,
   * every item is checked and reported (`SendManyDryRunResult`), and nothing is stored.
   */
  sendMany(inputs: SendManyItem[], options: { dryRun: true }): Promise<SendManyDryRunResult>
  sendMany(inputs: SendManyItem[], options?: SendManyOptions): Promise<SendManyResult>
  async sendMany(
    inputs: SendManyItem[],
    options?: SendManyOptions | { dryRun: true },
  ): Promise<SendManyResult | SendManyDryRunResult> {
    const where = 'messages.sendMany'
    const dryRun = parseInput(sendManyOptions, { options }, where).options?.dryRun === true
    const list = parseInput(sendManyInput, inputs, where, 'inputs')
    const results: SendManyItemResult[] = []
    const ready: { index: number; prepared: PreparedSend }[] = []
    list.forEach((raw, index) => {
      const identifier = identifierOf(raw, index)
      try {
        const { identifier: _, ...item } = parseInput(sendManyItem, raw, `${where}: [${index}]`)
        ready.push({ index, prepared: prepareSend(this.#ctx, { ...item }, `${where}: [${index}]`) })
        results[index] = { index, identifier, status: 'created' }
      } catch (error) {
        if (!(error instanceof PigeonholeError)) throw error
        results[index] = failed(index, identifier, error)
      }
    })
    if (dryRun) return this.#dryRunMany(results, ready, where)
    if (ready.length > 0) {
      const outcomes = await this.#batch('write', storeSends, ready, where)
      outcomes.forEach((outcome, i) => {
        const { index } = ready[i]!
        const identifier = results[index]!.identifier
        results[index] =
          outcome.status === 'failed'
            ? failed(index, identifier, outcome.error)
            : outcome.status === 'created' && outcome.skipped
              ? {
                  index,
                  identifier,
                  status: outcome.status,
                  message: outcome.message,
                  skipped: outcome.skipped,
                }
              : { index, identifier, status: outcome.status, message: outcome.message }
      })
    }
    const count = (s: SendManyItemResult['status']) => results.filter((r) => r.status === s).length
    return {
      items: results,
      created: count('created'),
      duplicates: count('duplicate'),
      failed: count('failed'),
    }
  }

  async #dryRunOne(input: DryRunInput): Promise<DryRunResult> {
    const where = 'messages.send'
    let prepared: PreparedSend
    try {
      prepared = prepareSend(this.#ctx, parseInput(sendInput, input, where), where)
    } catch (error) {
      if (!(error instanceof PigeonholeError)) throw error
      return { dryRun: true, ok: false, status: 'failed', error: info(error), recipients: [] }
    }
    const [outcome] = await this.#ctx
      .rehearse((tx) => dryRunSends(this.#ctx, tx, [prepared]), where)
      .catch(unwrapPolicyError)
    return dryResult(outcome!, `${where}: `)
  }

  async #dryRunMany(
    results: SendManyItemResult[],
    ready: { index: number; prepared: PreparedSend }[],
    where: string,
  ): Promise<SendManyDryRunResult> {
    const items: SendManyDryRunItem[] = results.map((r) => ({
      index: r.index,
      identifier: r.identifier,
      dryRun: true,
      ok: r.status !== 'failed',
      status: r.status,
      ...(r.error && { error: r.error }),
      recipients: [],
    }))
    if (ready.length > 0) {
      const outcomes = await this.#batch('rehearse', dryRunSends, ready, where)
      outcomes.forEach((outcome, i) => {
        const { index } = ready[i]!
        items[index] = { index, identifier: items[index]!.identifier, ...dryResult(outcome, '') }
      })
    }
    const count = (s: DryRunResult['status']) => items.filter((r) => r.status === s).length
    return {
      dryRun: true,
      items,
      created: count('created'),
      duplicates: count('duplicate'),
      failed: count('failed'),
    }
  }

  /** A batch's sends through `pipeline`, stored (`write`) or rolled back (`rehearse`, a dry run). */
  #batch<T>(
    mode: 'write' | 'rehearse',
    pipeline: (ctx: EngineContext, tx: WriteTx, items: readonly PreparedSend[]) => Promise<T[]>,
    ready: readonly { prepared: PreparedSend }[],
    where: string,
  ): Promise<T[]> {
    const items = ready.map((r) => r.prepared)
    return this.#ctx[mode]((tx) => pipeline(this.#ctx, tx, items), where).catch(unwrapPolicyError)
  }

  /** A system message (`from: null`) to every account, in one transaction. */
  broadcast(input: BroadcastInput): Promise<Message> {
    return broadcast(this.#ctx, input).catch(unwrapPolicyError)
  }

  /**
   * The shared message if `owner` sent or received it (even if they deleted their entry), else
   * null, as for an unknown id. Host code that must read any message: `admin.getMessage`.
   * A `RemoteContent` is resolved by the sender's resolver on every call (`message.remote`).
   * With attachments, `files` holds their metadata.
   */
  async get(input: GetMessageInput): Promise<Message | null> {
    const parsed = parseInput(getMessageInput, input, 'messages.get')
    const owner = normalizeAddress(parsed.owner, this.#ctx.peerId)
    const message = await messageOfOwner(this.#ctx.db, owner, parsed.id)
    return message && this.#withFiles(await this.#resolve(message, owner))
  }

  /**
   * The owner's live entry of a message with the message, or null; remote content resolved,
   * attachments' metadata in `message.files`.
   */
  async getItem(input: GetItemInput): Promise<BoxItem | null> {
    const parsed = parseItemInput(input, 'messages.getItem')
    const owner = normalizeAddress(parsed.owner, this.#ctx.peerId)
    const item = await itemOfOwner(this.#ctx, owner, parsed.id, parsed.role)
    if (!item) return null
    const message = item.message
    if (message.attachments.length === 0 && !mayResolve(message)) return item
    return { ...item, message: await this.#withFiles(await this.#resolve(message, owner)) }
  }

  /** The message with its attachments' metadata (`files`), when it has attachments. */
  async #withFiles(message: Message): Promise<Message> {
    if (message.attachments.length === 0) return message
    const found = await metaOf(this.#ctx.db, message.attachments, this.#ctx.clock.now())
    const files = message.attachments.flatMap((id) => {
      const meta = found.get(id)
      return meta ? [meta] : []
    })
    return { ...message, files }
  }

  /** A `RemoteContent` replaced by what its sender's resolver gives now (see remote.ts). */
  #resolve(message: Message, reader: string): Promise<Message> {
    const { remoteContent, limits } = this.#ctx
    return resolveRemote(remoteContent, message, reader, limits.maxContentBytes)
  }

  /** A page of the owner's messages by keyset cursor (stable while messages arrive). */
  list(input: ListInput): Promise<Page<BoxItem>> {
    return listItems(this.#ctx, input)
  }

  /** Page number and size with a total. */
  listPage(input: ListPageInput): Promise<NumberedPage<BoxItem>> {
    return listPage(this.#ctx, input)
  }

  /** Marks read by `ids`, or a whole `box` in bounded chunks. */
  markRead(input: MarkInput): Promise<ChangeResult> {
    return mark(this.#ctx, input, true)
  }

  /** Marks unread by `ids`, or a whole `box` in bounded chunks. */
  markUnread(input: MarkInput): Promise<ChangeResult> {
    return mark(this.#ctx, input, false)
  }

  /** Moves entries to another box (created on first use). */
  move(input: MoveInput): Promise<ChangeResult> {
    return move(this.#ctx, input)
  }

  /** Deletes the owner's entries only. */
  delete(input: DeleteInput): Promise<ChangeResult> {
    return remove(this.#ctx, input)
  }

  /** Edits the shared content; `expectedVersion` must be the current version. */
  update(input: UpdateMessageInput): Promise<Message> {
    return updateMessage(this.#ctx, input)
  }

  /** Deletes the message for everyone. */
  retract(input: RetractInput): Promise<Message> {
    return retractMessage(this.#ctx, input)
  }

  /**
   * Per recipient: when it was delivered and first read. Only for the sender (`owner`): anyone
   * else gets `forbidden`; an unknown id is `not_found`. Any message: `admin.receipts`.
   */
  async receipts(input: ReceiptsInput): Promise<Receipt[]> {
    const where = 'messages.receipts'
    const parsed = parseInput(receiptsInput, input, where)
    const owner = normalizeAddress(parsed.owner, this.#ctx.peerId)
    return receiptsOf(this.#ctx.db, parsed.id, where, owner)
  }
}

function identifierOf(raw: unknown, index: number): string {
  const value =
    raw !== null && typeof raw === 'object'
      ? (raw as { identifier?: unknown }).identifier
      : undefined
  return typeof value === 'string' && value.length > 0 ? value : String(index)
}

function failed(index: number, identifier: string, error: PigeonholeError): SendManyItemResult {
  return { index, identifier, status: 'failed', error: info(error) }
}

function info(error: PigeonholeError, prefix = ''): ErrorInfo {
  return { code: error.code, message: `${prefix}${error.message}`, details: { ...error.details } }
}

/** `dryRun: true` asks for a dry run; anything else but false is left to the schema to refuse. */
function isDryRun(input: SendInput | DryRunInput): input is DryRunInput {
  return (
    input !== null && typeof input === 'object' && (input as { dryRun?: unknown }).dryRun === true
  )
}

/** A dry run's outcome as the caller gets it; `prefix` names the method in error messages. */
function dryResult(outcome: DryOutcome, prefix: string): DryRunResult {
  const recipients = outcome.recipients.map(
    (r): DryRunRecipient => ({
      recipient: r.recipient,
      outcome: r.outcome,
      ...(r.box !== undefined && { box: r.box }),
      ...(r.error && { error: info(r.error, prefix) }),
    }),
  )
  if (outcome.status === 'failed') {
    return {
      dryRun: true,
      ok: false,
      status: 'failed',
      error: info(outcome.error, prefix),
      recipients,
    }
  }
  return {
    dryRun: true,
    ok: true,
    status: outcome.status,
    ...(outcome.status === 'duplicate' && outcome.message && { message: outcome.message }),
    recipients,
  }
}
