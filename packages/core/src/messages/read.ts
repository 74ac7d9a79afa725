import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { readRows } from '../engine/reads.js'
import { PigeonholeError } from '../errors.js'
import type { BoxItem, EntryRole, Message, Receipt } from '../types.js'
import { type ItemRow, itemColumns, toItem, toMessage } from './rows.js'

/** The shared message, whoever asks: for `admin` and the checks below. */
export async function messageById(db: Kysely<Database>, id: string): Promise<Message | null> {
  const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? toMessage(row) : null
}

/**
 * The message if `owner` sent or received it: any entry of theirs counts, also one they deleted
 * or one of a retracted message (they took part in it). Null otherwise, as for an unknown id,
 * so the answer does not tell whether the message exists.
 */
export async function messageOfOwner(
  db: Kysely<Database>,
  owner: string,
  id: string,
): Promise<Message | null> {
  const row = await db
    .selectFrom('messages as m')
    .selectAll('m')
    .where('m.id', '=', id)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('box_entries as e')
          .select('e.owner')
          .where('e.message_id', '=', id)
          .where('e.owner', '=', owner),
      ),
    )
    .executeTakeFirst()
  return row ? toMessage(row) : null
}

/**
 * The live entry of `owner` for message `id` joined with the message (with `role`, that entry;
 * without, `received` before `sent` when one sent a message to oneself), or null. No LIMIT:
 * there are at most two rows, and a bound `limit ?` made SQLite take about five times as long.
 */
export async function itemOfOwner(
  ctx: EngineContext,
  owner: string,
  id: string,
  role: EntryRole | undefined,
): Promise<BoxItem | null> {
  const rows =
    role === undefined
      ? await readRows<ItemRow>(ctx, 'messages.getItem', [owner, id], itemQuery)
      : await readRows<ItemRow>(ctx, 'messages.getItem role', [owner, id, role], itemOfRoleQuery)
  const row = rows[0]
  return row ? toItem(row) : null
}

function itemQuery(db: Kysely<Database>, slot: (index: number) => never) {
  return db
    .selectFrom('box_entries as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .select(itemColumns)
    .where('e.owner', '=', slot(0))
    .where('e.message_id', '=', slot(1))
    .where('e.deleted_at', 'is', null)
    .orderBy('e.role')
}

function itemOfRoleQuery(db: Kysely<Database>, slot: (index: number) => never) {
  return itemQuery(db, slot).where('e.role', '=', slot(2))
}

/**
 * Each recipient's delivery and first read; `not_found` for an unknown message. With `sender`,
 * only for that sender: anyone else gets `forbidden` (without naming the real sender).
 */
export async function receiptsOf(
  db: Kysely<Database>,
  id: string,
  where: string,
  sender?: string,
): Promise<Receipt[]> {
  const message = await db
    .selectFrom('messages')
    .select('sender')
    .where('id', '=', id)
    .executeTakeFirst()
  if (!message) throw noMessage(id, where)
  if (sender !== undefined && message.sender !== sender) {
    throw new PigeonholeError(
      'forbidden',
      `${where}: owner: "${sender}" is not the sender of message "${id}"; only the sender may read its receipts`,
      { field: 'owner', id, owner: sender },
    )
  }
  const rows = await db
    .selectFrom('box_entries')
    .select(['owner', 'created_at', 'seen_at'])
    .where('message_id', '=', id)
    .where('role', '=', 'received')
    .orderBy('owner')
    .execute()
  const local: Receipt[] = rows.map((r) => ({
    recipient: r.owner,
    deliveredAt: Number(r.created_at),
    readAt: r.seen_at === null ? null : Number(r.seen_at),
  }))
  const remote = await db
    .selectFrom('remote_receipts')
    .selectAll()
    .where('message_id', '=', id)
    .orderBy('recipient')
    .execute()
  if (remote.length === 0) return local
  const all = [
    ...local,
    ...remote.map((r): Receipt => {
      const status = r.status as NonNullable<Receipt['status']>
      return {
        recipient: r.recipient,
        deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
        readAt: r.read_at === null ? null : Number(r.read_at),
        status,
        ...(r.code !== null && { code: r.code }),
        ...(r.message !== null && { message: r.message }),
      }
    }),
  ]
  return all.sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0))
}

function noMessage(id: string, where: string): PigeonholeError {
  return new PigeonholeError('not_found', `${where}: id: no message "${id}"`, { field: 'id', id })
}
