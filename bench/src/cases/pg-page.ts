import type pg from 'pg'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { shortSize } from '../lib/inbox-files.js'
import { measurePair } from '../lib/measure.js'
import { openPgEngine, rawClient, reachable, schemas, unreachableLine } from '../lib/postgres.js'
import { type EntryKey, middlePage, pageOrder, pageSelect } from '../lib/raw-page.js'

const pageSize = 50

/**
 * Bob's inbox of `size` messages from alice (and alice's `sent` box), written with
 * INSERT ... SELECT generate_series into the engine's tables, counts to match; then ANALYZE,
 * as autovacuum would soon after a load this size.
 */
async function fill(client: pg.Client, size: number): Promise<void> {
  const start = Date.now() - size
  const id = `'msg_' || lpad(i::text, 26, '0')`
  await client.query('begin')
  await client.query(
    `insert into messages (id, sender, recipients, content, content_type, attachments,
       thread_id, broadcast, created_at, updated_at, version, idem_sender, idempotency_key,
       payload_hash, retracted_at)
     select ${id}, 'alice', '["bob"]', jsonb_build_object('subject', 'Message ' || i,
       'text', repeat('Some text of a usual length, ', 4)), null, '[]', null, 0,
       $1::bigint + i, $1::bigint + i, 1, 'alice', null, null, null
     from generate_series(0, $2::int - 1) as i`,
    [start, size],
  )
  await client.query(
    `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
       read_at, seen_at, deleted_at)
     select 'alice', ${id}, 'sent', 'sent', $1::bigint + i, $1::bigint + i, 1, $1::bigint + i,
       $1::bigint + i, null::bigint from generate_series(0, $2::int - 1) as i
     union all
     select 'bob', ${id}, 'received', 'inbox', $1::bigint + i, $1::bigint + i, 1, null, null,
       null from generate_series(0, $2::int - 1) as i`,
    [start, size],
  )
  await client.query(
    `insert into box_counts (owner, box, total, unread)
     values ('alice', 'sent', $1, 0), ('bob', 'inbox', $1, $1)`,
    [size],
  )
  await client.query('commit')
  await client.query('analyze')
}

/**
 * A hand-written `messages.list` with pg, named statements: the owner exists, then the keyset
 * query joined with the messages, one row more than the page (jsonb arrives parsed).
 */
function referencePagePg(client: pg.Client) {
  const select = `${pageSelect} where e.owner = $1 and e.deleted_at is null and e.box = $2`
  const order = pageOrder
  return async (who: string, box: string, key?: EntryKey) => {
    const owner = await client.query({
      name: 'ph-owner',
      text: 'select address from accounts where address = $1',
      values: [who],
    })
    if (owner.rows.length === 0) throw new Error(`no account ${who}`)
    const { rows } = key
      ? await client.query({
          name: 'ph-page-after',
          text: `${select} and (e.created_at, e.message_id, e.role) < ($3, $4, $5) ${order} limit $6`,
          values: [who, box, ...key, pageSize + 1],
        })
      : await client.query({
          name: 'ph-page-first',
          text: `${select} ${order} limit $3`,
          values: [who, box, pageSize + 1],
        })
    return {
      items: rows.slice(0, pageSize) as { message_id: string }[],
      more: rows.length > pageSize,
    }
  }
}

export const pgPageCase: BenchCase = {
  name: 'pg-page',
  summary: `an inbox page of ${pageSize} on PostgreSQL (first, and middle by cursor) beside raw pg`,
  async run(env) {
    if (!(await reachable())) {
      env.log(unreachableLine)
      return []
    }
    const size = env.quick ? 1000 : 100_000
    const names = schemas('page')
    const schema = names.next()
    try {
      const setup = await openPgEngine(schema, { listen: false })
      await setup.accounts.register({ address: 'alice' })
      await setup.accounts.register({ address: 'bob' })
      await setup.close()
      const client = await rawClient(schema)
      // Reads only: the engine and the reference share the schema.
      const ph = await openPgEngine(schema)
      try {
        await fill(client, size)
        const differences = await ph.verify()
        if (differences.length > 0) {
          throw new Error(`pg-page: verify() found ${JSON.stringify(differences[0])}`)
        }
        const page = referencePagePg(client)
        const list = { owner: 'bob', box: 'inbox', limit: pageSize }
        const { cursor, key } = await middlePage(ph, size, pageSize)
        const same = async (
          a: Promise<{ items: { message: { id: string } }[] }>,
          b: EntryKey | undefined,
        ) =>
          (await a).items.map((i) => i.message.id).join() ===
          (await page('bob', 'inbox', b)).items.map((i) => i.message_id).join()
        if (
          !(await same(ph.messages.list(list), undefined)) ||
          !(await same(ph.messages.list({ ...list, cursor }), key))
        ) {
          throw new Error('pg-page: the reference returned another page than the engine')
        }
        const plan = planFor(
          env,
          { warmupOps: 20, samples: 3, opsPerSample: 30 },
          { warmupOps: 200, samples: 15, opsPerSample: 200 },
        )
        const rows: BenchRow[] = []
        const first = await measurePair(
          () => ph.messages.list(list),
          () => page('bob', 'inbox'),
          plan,
        )
        rows.push({ case: 'pg-page', measure: `first page, inbox of ${shortSize(size)}`, ...first })
        const mid = await measurePair(
          () => ph.messages.list({ ...list, cursor }),
          () => page('bob', 'inbox', key),
          plan,
        )
        rows.push({ case: 'pg-page', measure: `middle page, inbox of ${shortSize(size)}`, ...mid })
        return rows
      } finally {
        await ph.close()
        await client.end()
      }
    } finally {
      await names.drop()
    }
  },
}
