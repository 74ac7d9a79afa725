import type { Insertable } from 'kysely'
import type { BoxEntriesTable, MessageFilesTable, MessagesTable } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { insertRows } from '../engine/insert-rows.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { Content, Json, Message } from '../types.js'
import type { PreparedSend } from './prepare.js'

/**
 * Step 4: the rows of a batch: messages, box entries, count deltas and events. Collected per
 * message, then written with a few multi-row INSERTs.
 */
export class SendWriter {
  readonly #ctx: EngineContext
  readonly #tx: WriteTx
  readonly #messages: Insertable<MessagesTable>[] = []
  readonly #entries: Insertable<BoxEntriesTable>[] = []
  readonly #files: Insertable<MessageFilesTable>[] = []

  constructor(ctx: EngineContext, tx: WriteTx) {
    this.#ctx = ctx
    this.#tx = tx
  }

  /**
   * Adds a message to `to`: the sender's `sent` entry (already read), and each recipient's
   * `received` entry in `inbox` or the box a policy routed it to. Returns its row and Message.
   */
  add(
    item: PreparedSend,
    to: readonly string[],
    hash: string | null,
    routes: ReadonlyMap<string, string> | undefined,
    remote?: ReadonlySet<string>,
  ): { row: Insertable<MessagesTable>; message: Message } {
    const tx = this.#tx
    const received = item.received
    // A message from a peer keeps its id, time and recipients; only its local ones get entries.
    const created = received ? received.createdAt : tx.now
    const all = received ? received.to : to
    const row: Insertable<MessagesTable> = {
      id: received ? received.id : this.#ctx.ids.next('msg'),
      sender: item.from,
      recipients: JSON.stringify(all),
      content: item.contentJson,
      content_type: contentType(item.content),
      attachments: JSON.stringify(item.attachments),
      thread_id: item.threadId,
      broadcast: 0,
      created_at: created,
      updated_at: created,
      version: 1,
      idem_sender: item.from ?? '',
      idempotency_key: item.idempotencyKey,
      payload_hash: hash,
      retracted_at: null,
    }
    this.#messages.push(row)
    // Which files the message attaches: for access and for the sweep (set: a file named twice
    // is one link).
    if (item.attachments.length > 0) {
      for (const fileId of new Set(item.attachments)) {
        this.#files.push({ message_id: row.id, file_id: fileId })
      }
    }
    this.#addEntries(row.id, received ? null : item.from, to, routes, remote, item.from)
    // Built from the input, not by parsing back the JSON just written (hot path).
    const message: Message = {
      id: row.id,
      from: item.from,
      to: [...all],
      content: item.content,
      attachments: item.attachments,
      threadId: item.threadId,
      broadcast: false,
      createdAt: created,
      updatedAt: created,
      version: 1,
      idempotencyKey: item.idempotencyKey,
      retractedAt: null,
    }
    return { row, message }
  }

  /** Writes what was added. */
  async flush(): Promise<void> {
    const { templates, maxParameters } = this.#ctx
    await insertRows(templates, this.#tx, 'messages', this.#messages, maxParameters)
    await insertRows(templates, this.#tx, 'box_entries', this.#entries, maxParameters)
    await insertRows(templates, this.#tx, 'message_files', this.#files, maxParameters)
  }

  /** `sentBy`: the sender's entry, if it has one here (`from`: who it is from). */
  #addEntries(
    messageId: string,
    sentBy: string | null,
    to: readonly string[],
    routes: ReadonlyMap<string, string> | undefined,
    remote: ReadonlySet<string> | undefined,
    from: string | null,
  ): void {
    const tx = this.#tx
    const now = tx.now
    // Object literals of one shape (no spread): the rows are built once per recipient.
    if (sentBy !== null) {
      this.#entries.push({
        owner: sentBy,
        message_id: messageId,
        role: 'sent',
        box: 'sent',
        created_at: now,
        updated_at: now,
        version: 1,
        read_at: now,
        seen_at: now,
        deleted_at: null,
      })
      tx.count(sentBy, 'sent', 1, 0)
      tx.emit({
        type: 'message.sent',
        owner: sentBy,
        messageId,
        role: 'sent',
        data: { to: [...to] },
      })
    }
    for (const owner of to) {
      // Remote recipients get theirs on their own engine (the outbox takes it there).
      if (remote?.has(owner)) continue
      const box = routes?.get(owner) ?? 'inbox'
      this.#entries.push({
        owner,
        message_id: messageId,
        role: 'received',
        box,
        created_at: now,
        updated_at: now,
        version: 1,
        read_at: null,
        seen_at: null,
        deleted_at: null,
      })
      tx.count(owner, box, 1, 1)
      // The box only when a policy routed it elsewhere: an inbox entry's event stays as small.
      const data: { [key: string]: Json } = box === 'inbox' ? { from } : { from, box }
      tx.emit({ type: 'message.received', owner, messageId, role: 'received', data })
    }
  }
}

/** The content's `@type`, kept in a column for the `type` filter. */
export function contentType(content: Content): string | null {
  const type = content['@type']
  return typeof type === 'string' ? type : null
}
