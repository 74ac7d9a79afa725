import type { Kysely } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * Push webhooks (`ph.admin.webhooks`, sent by `@pigeonhole/transport-http`). Endpoints are the
 * host's configuration (URL, secret); only their delivery state is kept here.
 *
 * `webhook_endpoints`: per endpoint id, `start_cursor` (events after it are delivered: the
 * newest cursor when the endpoint was first started), `scanned` (every event up to it has been
 * assigned to its account's queue), and `disabled_at` / `disabled_reason` (a 410 Gone, or the
 * host: nothing is sent until enabled again; the cursors stay, so nothing is lost).
 *
 * `webhook_cursors`: one ordered queue per (endpoint, account) (`account` '' holds the events
 * that have no owner): `cursor` is the last event acknowledged (2xx), `head` the newest event of
 * the account seen, so the queue has work while `head > cursor`. `attempts`, `due_at` and
 * `last_error` are the retry state of the event at the queue's front; `claimed_by` /
 * `claimed_until` a lease (one engine instance sends a queue at a time), as in the outbox.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('start_cursor', 'bigint', (c) => c.notNull())
    .addColumn('scanned', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .addColumn('disabled_reason', 'text')
    .execute()
  await db.schema
    .createTable('webhook_cursors')
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('cursor', 'bigint', (c) => c.notNull())
    .addColumn('head', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_cursors_pk', ['endpoint', 'account'])
    .execute()
  // The runner looks for queues with work, soonest due first.
  await db.schema
    .createIndex('webhook_cursors_due')
    .on('webhook_cursors')
    .columns(['endpoint', 'due_at'])
    .execute()
  // Each queue reads its account's events after its cursor (also used by `events.read({ owner })`).
  await db.schema
    .createIndex('events_owner_cursor')
    .on('events')
    .columns(['owner', 'cursor'])
    .execute()
}
