import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * Delivery between engines (issue 13). `outbox`: what waits to go to a remote peer, one row
 * per (message, peer) or per receipt, written in the transaction of the change that made it,
 * deleted on the peer's acknowledgement. `pair` is the local address whose deliveries to
 * `peer` keep their order (a message's sender, a receipt's recipient). `claimed_by` /
 * `claimed_until` are a lease: one engine instance sends a row at a time.
 * `remote_receipts`: the sender's view of each remote recipient of its messages.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('peer', 'text', (c) => c.notNull())
    .addColumn('pair', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .execute()
  // The worker reads rows oldest first: per (pair, peer), the oldest is the head.
  await db.schema.createIndex('outbox_order').on('outbox').columns(['created_at', 'id']).execute()
  await db.schema
    .createTable('remote_receipts')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('peer', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('message', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('read_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('remote_receipts_pk', ['message_id', 'recipient'])
    .execute()
  // The per-recipient cap counts a recipient's pending receipts.
  await db.schema
    .createIndex('remote_receipts_pending')
    .on('remote_receipts')
    .columns(['recipient', 'status'])
    .execute()
}
