import type { Expression, ExpressionBuilder, SqlBool } from 'kysely'
import type { Database } from '../db/schema.js'
import type { PigeonholeError } from '../errors.js'
import type { Account, Content, Json } from '../types.js'

/** A thread a send names, as the resolve step loaded it. */
export interface ThreadInfo {
  readonly closed: boolean
  /** Its participants, by address. */
  readonly participants: readonly string[]
}

/** One send of a batch, as the policy steps see it (after prepare and resolve). */
export interface SendItem {
  /** Its position in the batch: in `sendMany`, among the items that reached the transaction. */
  readonly index: number
  /** The sender's address, or null for a system message. */
  readonly from: string | null
  /** Who gets it: as named, or the thread's other participants. Empty for a broadcast. */
  readonly to: readonly string[]
  /** The recipients as the caller named them; undefined for a thread post without `to`. */
  readonly named: readonly string[] | undefined
  readonly content: Content
  readonly attachments: readonly string[]
  readonly threadId: string | null
  /** The thread `threadId` names, or undefined when there is none (or no such thread). */
  readonly thread: ThreadInfo | undefined
  /** True for `messages.broadcast` (asked once as a whole; see `broadcastCondition`). */
  readonly broadcast: boolean
}

/** Read-only lookups inside the send's transaction; one query per call (per store parameter limit). */
export interface PolicyReader {
  /** The registered accounts among `addresses`, by address (absent: not registered). */
  accounts(addresses: readonly string[]): Promise<Map<string, Account>>
  /** The participants of each of the threads, by thread id (absent: no such thread). */
  participants(threadIds: readonly string[]): Promise<Map<string, string[]>>
  /**
   * For each pair, whether `from` has ever sent `to` a message that `to` still has an entry
   * of (deleted by `to` too; not retracted). In the order given.
   */
  haveSent(pairs: readonly { from: string; to: string }[]): Promise<boolean[]>
}

/** What a step sees: the items still standing, with what resolve loaded for them. */
export interface SendBatch {
  /** Items not refused so far: an item an earlier step refused is not shown to later ones. */
  readonly items: readonly SendItem[]
  /** Which of the batch's senders and local recipients are registered accounts. */
  readonly accounts: ReadonlySet<string>
  /** The transaction's time, ms since the epoch. */
  readonly now: number
  /** Read-only lookups in the same transaction. */
  readonly reader: PolicyReader
}

/** A host policy's refusal, reported as a PigeonholeError `refused`. */
export interface Refusal {
  /** The policy's own code, e.g. 'muted': `details.code`. */
  code: string
  /** A readable reason: the error message, after the policy's name. */
  message: string
  /** The recipient refused; left out, the whole send (item) is refused. */
  recipient?: string
  /** More for `details`, kept as given. */
  details?: Record<string, Json>
}

/** Where a step records what it decided; whatever it does not record is allowed. */
export interface Verdicts {
  /**
   * Refuses the item, or one recipient of it (which refuses the whole item unless the step is
   * `partial`). A `PigeonholeError` is reported as it is (built-in steps use the engine's own
   * codes); a `Refusal` as `refused` with the step's name and code in `details`.
   */
  refuse(item: SendItem, refusal: Refusal | PigeonholeError): void
  /** Puts `recipient`'s entry in `box` instead of `inbox` (counts follow). */
  route(item: SendItem, recipient: string, box: string): void
}

/**
 * One policy step of the send pipeline: a built-in check or a host's own. Steps run in order
 * inside the send's transaction, once per batch; each reads in batches, never once per item.
 */
export interface SendPolicy {
  /** Names the step in `refused` errors (`details.policy`). */
  readonly name: string
  /**
   * Judges the batch and records refusals and routes in `verdicts`; may be async. What it
   * throws rolls the whole send (or sendMany batch) back and reaches the caller as it is.
   */
  judge(batch: SendBatch, verdicts: Verdicts): void | Promise<void>
  /**
   * True: a recipient this step refuses is left out and the others still get the message (the
   * item is refused only when no recipient is left). Default false: the whole item is refused.
   */
  readonly partial?: boolean
  /**
   * For `broadcast`: a condition over a recipient's `accounts` row; an account that fails it
   * gets no entry (the broadcast is still sent to the others). Default: none, and then `judge`
   * is asked once about the broadcast as a whole (one item, `broadcast: true`, `to: []`), and
   * may refuse all of it.
   */
  broadcastCondition?(eb: ExpressionBuilder<Database, 'accounts'>): Expression<SqlBool>
}
