import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../dialect.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * One row per side of a request an account holds. Keyed by (owner, id): an owner never holds
 * both sides of one id (a peer's request reusing the id of the owner's own is refused).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  const json = dialect === 'postgres' ? 'jsonb' : 'text'
  await db.schema
    .createTable('requests')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('peer', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('content', sql.raw(json), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('source_message_id', 'text')
    .addColumn('response', sql.raw(json))
    .addColumn('response_message_id', 'text')
    .addColumn('responded_at', 'bigint')
    .addColumn('history', sql.raw(json), (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('requests_pk', ['owner', 'id'])
    .execute()
  await db.schema
    .createIndex('requests_owner_created')
    .on('requests')
    .columns(['owner', 'created_at', 'id'])
    .execute()
  // The expiry sweep reads only requests that can still expire.
  await db.schema
    .createIndex('requests_expiry')
    .on('requests')
    .columns(['expires_at'])
    .where(
      sql.ref('status'),
      'in',
      sql`('Draft','Open','DecisionRequired','ManualDecisionRequired')`,
    )
    .execute()
}
