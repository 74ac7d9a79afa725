import type { ApiKeys } from '../api-keys/api-keys.js'
import type { EngineContext } from '../engine/context.js'
import { fileRow, toFileMeta } from '../files/queries.js'
import { fileId } from '../files/schemas.js'
import type { FileMeta } from '../files/types.js'
import { messageById, receiptsOf } from '../messages/read.js'
import { loadThread } from '../threads/threads.js'
import type { Message, Receipt, Thread } from '../types.js'
import { messageId } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import type { Webhooks } from '../webhooks/webhooks.js'

/**
 * Reads for trusted host code: no access check. The `messages` facade answers an owner only
 * about their own messages; these answer about any message, for support tools, moderation,
 * crash checks and tests. Never wire them to a request an end user controls.
 */
export class Admin {
  readonly #ctx: EngineContext
  /** API keys for the REST API: `create({ account?, label })`, `revoke(id)`, `list()`, `verify(key)`. */
  readonly apiKeys: ApiKeys
  /**
   * Push webhooks run from the event table: `start({ endpoints, send, ... })`, `status(id)`,
   * `enable(id)`, `disable(id, reason?)`. `@pigeonhole/transport-http`'s `webhooks` sends them
   * over HTTP (Standard Webhooks).
   */
  readonly webhooks: Webhooks

  constructor(ctx: EngineContext, apiKeys: ApiKeys, webhooks: Webhooks) {
    this.#ctx = ctx
    this.apiKeys = apiKeys
    this.webhooks = webhooks
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

  /**
   * A file's metadata whoever asks (also one its owner deleted, while messages keep it), or
   * null (unknown, or still uploading). No access check.
   */
  async getFile(id: string): Promise<FileMeta | null> {
    const row = await fileRow(this.#ctx.db, parseInput(fileId, id, 'admin.getFile', 'id'))
    if (!row || row.status === 'uploading' || row.status === 'deleting') return null
    return toFileMeta(row, this.#ctx.clock.now())
  }

  /** Each recipient's delivery and first read, also of a system message. No access check. */
  async receipts(id: string): Promise<Receipt[]> {
    const where = 'admin.receipts'
    return receiptsOf(this.#ctx.db, parseInput(messageId, id, where, 'id'), where)
  }
}
