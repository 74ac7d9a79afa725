import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * Consent: `consents` holds the current state per (owner, sender) ('allowed' or 'denied'; no
 * row is 'unknown'); `consent_log` is the append-only list of changes (`consent.feed` reads it
 * per sender and time window, keyset-paged by (at, id)).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('consents')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pk', ['owner', 'sender'])
    .execute()
  await db.schema
    .createTable('consent_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('consent_log_sender_at')
    .on('consent_log')
    .columns(['sender', 'at', 'id'])
    .execute()
  // accounts.remove drops an owner's log rows.
  await db.schema.createIndex('consent_log_owner').on('consent_log').columns(['owner']).execute()
}
