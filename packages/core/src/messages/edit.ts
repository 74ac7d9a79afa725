import { accountExists, notFound } from '../accounts/lookup.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { contentType } from '../send/write.js'
import type { Message } from '../types.js'
import { parseInput } from '../validation/parse.js'
import { contentJson } from './content-size.js'
import { checkRemoteContent } from './remote.js'
import { toMessage } from './rows.js'
import { type RetractInput, retractInput, type UpdateMessageInput, updateInput } from './schemas.js'

/**
 * Replaces the shared content. Compare-and-set on `expectedVersion`: of two concurrent
 * updates with the same expected version exactly one wins, the other gets `version_conflict`.
 */
export async function updateMessage(
  ctx: EngineContext,
  input: UpdateMessageInput,
): Promise<Message> {
  const where = 'messages.update'
  const parsed = parseInput(updateInput, input, where)
  const json = contentJson(ctx, parsed.content, where)
  const by = parsed.by === null ? null : normalizeAddress(parsed.by, ctx.peerId)
  // `by` is the sender once loadOwned has checked it: a system message takes no RemoteContent.
  checkRemoteContent(parsed.content, by, where)
  return ctx.write(async (tx) => {
    const current = await loadOwned(tx, parsed.id, by, where)
    for (const content of [current.content, parsed.content]) {
      const type = content['@type']
      if (type === 'Request' || type === 'Response') {
        // The protocol's messages say what both sides agreed on: an edit would fork them.
        throw new PigeonholeError(
          'forbidden',
          `${where}: content: a ${type} message cannot be edited, nor a message turned into one`,
          { field: 'content', id: parsed.id },
        )
      }
    }
    const result = await tx.db
      .updateTable('messages')
      .set({
        content: json,
        content_type: contentType(parsed.content),
        version: parsed.expectedVersion + 1,
        updated_at: tx.now,
      })
      .where('id', '=', parsed.id)
      .where('version', '=', parsed.expectedVersion)
      .where('retracted_at', 'is', null)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1) {
      // Read again: a concurrent update or retract may have committed since loadOwned.
      const now = await tx.db
        .selectFrom('messages')
        .select(['version', 'retracted_at'])
        .where('id', '=', parsed.id)
        .executeTakeFirstOrThrow()
      if (now.retracted_at !== null) throw retracted(parsed.id, where)
      const actual = Number(now.version)
      throw new PigeonholeError(
        'version_conflict',
        `${where}: expectedVersion: message "${parsed.id}" is at version ${actual}, not ${parsed.expectedVersion}; read it again and retry`,
        {
          field: 'expectedVersion',
          id: parsed.id,
          expectedVersion: parsed.expectedVersion,
          actualVersion: actual,
        },
      )
    }
    tx.emit({
      type: 'message.updated',
      messageId: parsed.id,
      data: { version: parsed.expectedVersion + 1, by },
    })
    return {
      ...current,
      content: parsed.content,
      version: parsed.expectedVersion + 1,
      updatedAt: tx.now,
    }
  }, where)
}

/** Deletes the message for everyone: its content is cleared and every entry removed. */
export async function retractMessage(ctx: EngineContext, input: RetractInput): Promise<Message> {
  const where = 'messages.retract'
  const parsed = parseInput(retractInput, input, where)
  const by = parsed.by === null ? null : normalizeAddress(parsed.by, ctx.peerId)
  return ctx.write(async (tx) => {
    const current = await loadOwned(tx, parsed.id, by, where)
    const done = await tx.db
      .updateTable('messages')
      .set({
        content: '{}',
        content_type: null,
        attachments: '[]',
        retracted_at: tx.now,
        updated_at: tx.now,
      })
      .where('id', '=', parsed.id)
      .where('retracted_at', 'is', null)
      .executeTakeFirst()
    if (Number(done.numUpdatedRows) !== 1) throw retracted(parsed.id, where)
    // A retracted message attaches nothing: no one reads its files through it any more.
    await tx.db.deleteFrom('message_files').where('message_id', '=', parsed.id).execute()
    const entries = await tx.db
      .updateTable('box_entries')
      .set({ deleted_at: tx.now, updated_at: tx.now })
      .where('message_id', '=', parsed.id)
      .where('deleted_at', 'is', null)
      .returning(['owner', 'box', 'read_at'])
      .execute()
    for (const row of entries) tx.count(row.owner, row.box, -1, row.read_at === null ? -1 : 0)
    tx.emit({
      type: 'message.retracted',
      messageId: parsed.id,
      data: { by, entries: entries.length },
    })
    return { ...current, content: {}, attachments: [], retractedAt: tx.now, updatedAt: tx.now }
  }, where)
}

/** The message, if it exists, is not retracted, and `by` sent it and is still an account. */
async function loadOwned(
  tx: WriteTx,
  id: string,
  by: string | null,
  where: string,
): Promise<Message> {
  const row = await tx.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) {
    throw new PigeonholeError('not_found', `${where}: id: no message "${id}"`, { field: 'id', id })
  }
  const message = toMessage(row)
  if (message.from !== by) {
    throw new PigeonholeError(
      'forbidden',
      `${where}: by: only the sender (${message.from ?? 'the system'}) may change message "${id}", got ${by ?? 'null'}`,
      { field: 'by', id, by },
    )
  }
  // The sender's account must still exist: a removed one cannot act (its address is never reused).
  if (by !== null && !(await accountExists(tx.db, by))) throw notFound(by, where, 'by')
  if (message.retractedAt !== null) throw retracted(id, where)
  return message
}

function retracted(id: string, where: string): PigeonholeError {
  return new PigeonholeError('invalid_transition', `${where}: id: message "${id}" was retracted`, {
    field: 'id',
    id,
  })
}
