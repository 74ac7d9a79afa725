import { sql } from 'kysely'
import { countInboxEntries } from '../boxes/counts.js'
import type { EngineContext } from '../engine/context.js'
import { lockRows } from '../engine/row-locks.js'
import { PigeonholeError } from '../errors.js'
import { judgeBroadcast } from '../send/broadcast-policies.js'
import { prepareSend } from '../send/prepare.js'
import { contentType } from '../send/write.js'
import type { Message } from '../types.js'
import { payloadHash } from '../util/canonical-json.js'
import { parseInput } from '../validation/parse.js'
import { toMessage } from './rows.js'
import { type BroadcastInput, broadcastInput } from './schemas.js'

/**
 * A system message to every account, in one transaction. Entries and counts are written with
 * INSERT ... SELECT over the accounts, so the cost is a few statements whatever the number of
 * accounts. It emits one `message.broadcast` event, not one per account. The policy steps run
 * as SQL conditions over the accounts, or once on the broadcast as a whole (judgeBroadcast).
 */
export async function broadcast(ctx: EngineContext, input: BroadcastInput): Promise<Message> {
  const where = 'messages.broadcast'
  const parsed = parseInput(broadcastInput, input, where)
  const prepared = prepareSend(
    ctx,
    { from: null, content: parsed.content, idempotencyKey: parsed.idempotencyKey },
    where,
  )
  const hash = payloadHash({ broadcast: true, content: prepared.content })
  return ctx.write(async (tx) => {
    if (prepared.idempotencyKey !== null) {
      const previous = await tx.db
        .selectFrom('messages')
        .selectAll()
        .where('idem_sender', '=', '')
        .where('idempotency_key', '=', prepared.idempotencyKey)
        .executeTakeFirst()
      if (previous) {
        if (previous.payload_hash === hash) return toMessage(previous)
        throw new PigeonholeError(
          'idempotency_conflict',
          `${where}: idempotencyKey: "${prepared.idempotencyKey}" was used for a different message (${previous.id})`,
          {
            field: 'idempotencyKey',
            idempotencyKey: prepared.idempotencyKey,
            messageId: previous.id,
          },
        )
      }
    }
    const conditions = await judgeBroadcast(ctx, tx, prepared, where)
    // One send of the system's (a retry of a keyed broadcast, answered above, costs nothing).
    const limited = ctx.limiter?.session(tx, false).admit(null)
    if (limited) {
      throw new PigeonholeError(limited.code, `${where}: ${limited.message}`, {
        ...limited.details,
      })
    }
    const row = {
      id: ctx.ids.next('msg'),
      sender: null,
      recipients: '[]',
      content: prepared.contentJson,
      content_type: contentType(prepared.content),
      attachments: '[]',
      thread_id: null,
      broadcast: 1,
      created_at: tx.now,
      updated_at: tx.now,
      version: 1,
      idem_sender: '',
      idempotency_key: prepared.idempotencyKey,
      payload_hash: prepared.idempotencyKey === null ? null : hash,
      retracted_at: null,
    }
    await tx.db.insertInto('messages').values(row).execute()
    const inserted = await tx.db
      .insertInto('box_entries')
      .columns([
        'owner',
        'message_id',
        'role',
        'box',
        'created_at',
        'updated_at',
        'version',
        'read_at',
        'seen_at',
        'deleted_at',
      ])
      .expression((eb) =>
        eb
          .selectFrom('accounts')
          .select([
            'address as owner',
            eb.cast<string>(eb.val(row.id), 'text').as('message_id'),
            eb.cast<string>(eb.val('received'), 'text').as('role'),
            eb.cast<string>(eb.val('inbox'), 'text').as('box'),
            eb.cast<number>(eb.val(tx.now), 'bigint').as('created_at'),
            eb.cast<number>(eb.val(tx.now), 'bigint').as('updated_at'),
            eb.cast<number>(eb.val(1), 'integer').as('version'),
            eb.cast<null>(sql`null`, 'bigint').as('read_at'),
            eb.cast<null>(sql`null`, 'bigint').as('seen_at'),
            eb.cast<null>(sql`null`, 'bigint').as('deleted_at'),
          ])
          .$if(conditions.length > 0, (q) => q.where((eb) => eb.and(conditions.map((c) => c(eb)))))
          // A concurrent accounts.remove waits, so no entry outlives its account.
          .$call((q) => lockRows(q, ctx, 'keyShare')),
      )
      .executeTakeFirst()
    await countInboxEntries(tx.db, row.id)
    const recipients = Number(inserted.numInsertedOrUpdatedRows ?? 0)
    tx.emit({ type: 'message.broadcast', messageId: row.id, data: { recipients } })
    return toMessage(row)
  }, where)
}
