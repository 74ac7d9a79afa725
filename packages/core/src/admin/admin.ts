import type { EngineContext } from '../engine/context.js'
import { messageById, receiptsOf } from '../messages/read.js'
import { loadThread } from '../threads/threads.js'
import type { Message, Receipt, Thread } from '../types.js'
import { messageId } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'

/**
 * Reads for trusted host code: no access check. The `messages` facade answers an owner only
 * about their own messages; these answer about any message, for support tools, moderation,
 * crash checks and tests. Never wire them to a request an end user controls.
 */
export class Admin {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /**
   * The shared message whoever took part in it, or null. No access check. As stored: a
   * `RemoteContent` is not resolved (no reader to resolve it for).
   */
  async getMessage(id: string): Promise<Message | null> {
    return messageById(this.#ctx.db, parseInput(messageId, id, 'admin.getMessage', 'id'))
  }

  /** The thread with its participants, whoever asks, or null. No access check. */
  async getThread(id: string): Promise<Thread | null> {
    return loadThread(this.#ctx.db, parseInput(messageId, id, 'admin.getThread', 'id'))
  }

  /** Each recipient's delivery and first read, also of a system message. No access check. */
  async receipts(id: string): Promise<Receipt[]> {
    const where = 'admin.receipts'
    return receiptsOf(this.#ctx.db, parseInput(messageId, id, where, 'id'), where)
  }
}
