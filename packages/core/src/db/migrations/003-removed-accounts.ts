import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * Tombstones of removed accounts. An address is never registered again (as Matrix does with
 * deactivated user ids): a new owner would inherit the old one's sent messages (edit, retract)
 * and idempotency keys. The account row itself goes, so every other query of `accounts` still
 * means "live accounts".
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('removed_accounts')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('removed_at', 'bigint', (c) => c.notNull())
    .execute()
}
