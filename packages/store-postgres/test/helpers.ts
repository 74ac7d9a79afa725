import type { Pigeonhole, PigeonholeEvent, Store, TransactionBody } from '@pigeonhole/core'
import type pg from 'pg'
import { expect } from 'vitest'
import { rawClient } from './postgres-env.js'

/** Waits until `check` is true, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Everything `events$` emits from now on. */
export function record(ph: Pigeonhole): PigeonholeEvent[] {
  const seen: PigeonholeEvent[] = []
  ph.events$.subscribe((e) => seen.push(e))
  return seen
}

/** The stored events after `after`, in cursor order, as (cursor, type, owner, message). */
export async function storedEvents(client: pg.Client, schema: string, after = 0) {
  const { rows } = await client.query<{
    cursor: string
    type: string
    owner: string | null
    message_id: string | null
  }>(
    `select cursor, type, owner, message_id from "${schema}".events
     where cursor > $1 order by cursor`,
    [after],
  )
  return rows.map((r) => ({
    cursor: Number(r.cursor),
    type: r.type,
    owner: r.owner,
    messageId: r.message_id,
  }))
}

/** The newest cursor given so far (0: none). */
export async function newestCursor(client: pg.Client, schema: string): Promise<number> {
  const { rows } = await client.query(
    `select coalesce(max(cursor), 0) as c from "${schema}".events`,
  )
  return Number(rows[0].c)
}

/** What a stream should have been: exactly the stored events, once each, in cursor order. */
export function expectExactly(
  seen: readonly PigeonholeEvent[],
  stored: Awaited<ReturnType<typeof storedEvents>>,
  who: string,
): void {
  const cursors = seen.map((e) => e.cursor)
  expect(
    cursors.every((c, i) => i === 0 || c > cursors[i - 1]!),
    `${who}: strictly increasing cursors`,
  ).toBe(true)
  expect(
    seen.map((e) => ({ cursor: e.cursor, type: e.type, owner: e.owner, messageId: e.messageId })),
    `${who}: every stored event once, in cursor order`,
  ).toEqual(stored)
}

/**
 * The same store, with a gate: the next transaction, once its body has run (its rows and
 * events are written), waits for `release()` before it commits.
 */
export function withGate(store: Store) {
  let armed = false
  let reached = () => {}
  let open = () => {}
  const gated: Store = {
    ...store,
    transaction<T>(body: TransactionBody<T>): Promise<T> {
      return store.transaction(async (trx) => {
        const value = await body(trx)
        if (armed) {
          armed = false
          reached()
          await new Promise<void>((resolve) => {
            open = resolve
          })
        }
        return value
      })
    },
  }
  return {
    store: gated,
    /** Holds the next transaction; resolves once it is written and waiting to commit. */
    arm(): Promise<void> {
      armed = true
      return new Promise<void>((resolve) => {
        reached = resolve
      })
    },
    release: () => open(),
  }
}

/**
 * Waits until a server process is blocked on a lock, for tests that stage a conflict. Uses
 * its own connection: inside a transaction, pg_stat_activity would not change.
 */
export async function waitForLockWait(
  queryLike: string,
  schema: string,
  timeoutMs?: number,
): Promise<void> {
  const monitor = await rawClient()
  try {
    await waitFor(
      async () => {
        // Only sessions working in `schema` (holding a lock on one of its tables): test files
        // run side by side, and another file's session may be waiting on the same statement.
        const { rows } = await monitor.query(
          `select 1 from pg_stat_activity a
          where a.wait_event_type = 'Lock' and a.query ilike $1
            and exists (
              select 1 from pg_locks l
                join pg_class c on c.oid = l.relation
                join pg_namespace n on n.oid = c.relnamespace
               where l.pid = a.pid and l.granted and n.nspname = $2)`,
          [queryLike, schema],
        )
        return rows.length > 0
      },
      `a session in schema ${schema} waiting on a lock in ${queryLike}`,
      timeoutMs,
    )
  } finally {
    await monitor.end()
  }
}
