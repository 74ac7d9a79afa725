import type { AccountsAndConsents } from '../consent/queries.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { Message } from '../types.js'
import type { SendBatch } from './policy.js'
import type { PreparedSend } from './prepare.js'

/** A message the write step just stored, with the send it came from. */
export interface WrittenSend {
  readonly item: PreparedSend
  readonly message: Message
  /** A message from a peer: the local recipients that got it (its `to` names them all). */
  readonly local?: readonly string[]
}

/**
 * What a built-in content handler does after the write step, in the same transaction: the
 * Request protocol opens, receives and completes requests here. Keyed by content `@type`.
 */
export interface ContentHook {
  /** Runs once per batch with the messages of its `@type` that were stored. */
  written(ctx: EngineContext, tx: WriteTx, sends: readonly WrittenSend[]): Promise<void>
}

/** The batch as built-in steps see it: the public one, plus the transaction and the sends. */
export interface EngineBatch extends SendBatch {
  readonly ctx: EngineContext
  readonly tx: WriteTx
  /** The sends of the batch, by `SendItem.index`. */
  readonly prepared: readonly PreparedSend[]
  /** Consents read with the accounts (resolve), if it did. */
  readonly consents?: AccountsAndConsents
}
