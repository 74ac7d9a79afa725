import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../dialect.js'

// Migrations take `Kysely<any>`: they describe the schema as it was, not as the types are now.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyDb = Kysely<any>

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text')
    .addColumn('consent', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()

  const json = dialect === 'postgres' ? 'jsonb' : 'text'
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sender', 'text')
    .addColumn('recipients', sql.raw(json), (c) => c.notNull())
    .addColumn('content', sql.raw(json), (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('attachments', sql.raw(json), (c) => c.notNull())
    .addColumn('thread_id', 'text')
    .addColumn('broadcast', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('idem_sender', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('payload_hash', 'text')
    .addColumn('retracted_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('messages_idempotency')
    .on('messages')
    .columns(['idem_sender', 'idempotency_key'])
    .unique()
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute()

  await db.schema
    .createTable('box_entries')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('box', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addColumn('seen_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('box_entries_pk', ['owner', 'message_id', 'role'])
    .execute()
  // Keyset paging walks these; partial so deleted and read rows cost nothing.
  await db.schema
    .createIndex('box_entries_live')
    .on('box_entries')
    .columns(['owner', 'box', 'created_at', 'message_id', 'role'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute()
  await db.schema
    .createIndex('box_entries_unread')
    .on('box_entries')
    .columns(['owner', 'box', 'created_at', 'message_id', 'role'])
    .where(sql<boolean>`deleted_at is null and read_at is null`)
    .execute()
  await db.schema
    .createIndex('box_entries_message')
    .on('box_entries')
    .column('message_id')
    .execute()

  await db.schema
    .createTable('box_counts')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('box', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('unread', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('box_counts_pk', ['owner', 'box'])
    .execute()

  await db.schema
    .createTable('threads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('thread_participants')
    .addColumn('thread_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('thread_participants_pk', ['thread_id', 'address'])
    .execute()
  await db.schema
    .createIndex('thread_participants_address')
    .on('thread_participants')
    .columns(['address', 'thread_id'])
    .execute()

  await db.schema
    .createTable('events')
    .addColumn('cursor', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('message_id', 'text')
    .addColumn('entry_role', 'text')
    .addColumn('data', sql.raw(json), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_message').on('events').column('message_id').execute()
}
