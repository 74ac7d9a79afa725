import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../dialect.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was
type AnyDb = Kysely<any>

/**
 * PostgreSQL only (SQLite has one writer, so its insert order is its commit order).
 *
 * Several connections write at once, and a sequence value is taken at insert, not at commit:
 * a reader of `cursor > last` would skip a transaction that took its number early and
 * committed late. So on PostgreSQL an event row is inserted without a cursor (`id` keeps the
 * insert order) and `pigeonhole_assign_cursors()` numbers committed rows after commit, one
 * round at a time under an advisory lock: whatever cursor a reader sees, it sees every
 * smaller one. The store calls it after each commit (see @pigeonhole/store-postgres).
 */
export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return
  await sql`alter table events drop constraint events_pkey`.execute(db)
  await sql`alter table events add column id bigserial primary key`.execute(db)
  await sql`alter table events alter column cursor drop not null, alter column cursor drop default`.execute(
    db,
  )
  await sql`create unique index events_cursor on events (cursor)`.execute(db)
  await sql`create index events_unassigned on events (id) where cursor is null`.execute(db)
  // Listing every box of an owner, newest first, without a sort.
  await db.schema
    .createIndex('box_entries_owner_live')
    .on('box_entries')
    .columns(['owner', 'created_at', 'message_id', 'role'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute()
  // Numbers up to `max_rows` committed, unnumbered events in insert order; returns the
  // highest cursor given (null: none) and how many. Runs in its caller's read-committed
  // transaction: the statement after the lock sees the previous round's commit.
  await sql`
    create function pigeonhole_assign_cursors(max_rows integer)
    returns table (top bigint, assigned bigint)
    language plpgsql set search_path from current as $$
    begin
      perform pg_advisory_xact_lock(1885956717, 'events'::regclass::oid::integer);
      with todo as (
        select id, nextval('events_cursor_seq') as c
        from (select id from events where cursor is null order by id limit max_rows) o
      ), done as (
        update events e set cursor = todo.c from todo where e.id = todo.id returning e.cursor
      )
      select max(done.cursor), count(*) into top, assigned from done;
      return next;
    end $$`.execute(db)
}
