import { systemClock, ulidIds } from '@pigeonhole/core'
import type pg from 'pg'
import { type BenchCase, planFor } from '../lib/case.js'
import { measurePair } from '../lib/measure.js'
import {
  assertSameRowsPg,
  openPgEngine,
  rawClient,
  reachable,
  schemas,
  unreachableLine,
} from '../lib/postgres.js'

/**
 * A hand-written send with pg, named (prepared) statements: in one transaction, check both
 * accounts exist, insert the message, its two entries, upsert the two box counts and insert
 * the two events without a cursor; after commit, one numbering round gives the events their
 * cursors, as the store does (core's migration 002-postgres-event-order). Not done: NOTIFY,
 * reading the events back to emit them, retrying serialization failures.
 */
export function referenceSendPg(client: pg.Client) {
  const ids = ulidIds(systemClock)
  const q = (name: string, text: string, values: unknown[]) => client.query({ name, text, values })
  return async (from: string, to: string, content: object): Promise<string> => {
    const now = Date.now()
    const id = ids.next('msg')
    await client.query('begin')
    try {
      const found = await q(
        'ph-accounts',
        'select address from accounts where address in ($1, $2)',
        [from, to],
      )
      if (found.rows.length !== (from === to ? 1 : 2)) throw new Error('no such account')
      await q(
        'ph-message',
        `insert into messages (id, sender, recipients, content, content_type, attachments,
           thread_id, broadcast, created_at, updated_at, version, idem_sender, idempotency_key,
           payload_hash, retracted_at)
         values ($1, $2, $3, $4, null, '[]', null, 0, $5, $5, 1, $2, null, null, null)`,
        [id, from, JSON.stringify([to]), JSON.stringify(content), now],
      )
      await q(
        'ph-entries',
        `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
           read_at, seen_at, deleted_at)
         values ($1, $2, 'sent', 'sent', $3, $3, 1, $3, $3, null),
                ($4, $2, 'received', 'inbox', $3, $3, 1, null, null, null)`,
        [from, id, now, to],
      )
      await q(
        'ph-counts',
        `insert into box_counts (owner, box, total, unread)
         values ($1, 'sent', 1, 0), ($2, 'inbox', 1, 1)
         on conflict (owner, box) do update set total = box_counts.total + excluded.total,
           unread = box_counts.unread + excluded.unread`,
        [from, to],
      )
      await q(
        'ph-events',
        `insert into events (type, owner, message_id, entry_role, data, created_at)
         values ('message.sent', $1, $2, 'sent', $3, $5),
                ('message.received', $4, $2, 'received', $6, $5)`,
        [
          from,
          id,
          JSON.stringify({ role: 'sent', to: [to] }),
          to,
          now,
          JSON.stringify({ role: 'received', from }),
        ],
      )
      await client.query('commit')
    } catch (error) {
      await client.query('rollback')
      throw error
    }
    await q('ph-number', 'select top, assigned from pigeonhole_assign_cursors(10000)', [])
    return id
  }
}

export const pgSendCase: BenchCase = {
  name: 'pg-send',
  summary: 'one-to-one send on PostgreSQL beside raw pg (schema per run, dropped after)',
  async run(env) {
    if (!(await reachable())) {
      env.log(unreachableLine)
      return []
    }
    const names = schemas('send')
    const engineSchema = names.next()
    const referenceSchema = names.next()
    try {
      // Both schemas migrated by the engine: same tables, indexes and numbering function.
      const setup = await openPgEngine(referenceSchema, { listen: false })
      await setup.accounts.register({ address: 'alice' })
      await setup.accounts.register({ address: 'bob' })
      await setup.close()
      const ph = await openPgEngine(engineSchema)
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
      const client = await rawClient(referenceSchema)
      const send = referenceSendPg(client)
      let n = 0
      try {
        const result = await measurePair(
          () =>
            ph.messages.send({
              from: 'alice',
              to: ['bob'],
              content: { subject: 'Hi', text: `Hello Bob #${n++}` },
            }),
          () => send('alice', 'bob', { subject: 'Hi', text: `Hello Bob #${n++}` }),
          planFor(
            env,
            { warmupOps: 20, samples: 3, opsPerSample: 30 },
            { warmupOps: 200, samples: 15, opsPerSample: 200 },
          ),
        )
        await ph.close()
        await assertSameRowsPg(engineSchema, referenceSchema)
        return [{ case: 'pg-send', measure: 'one-to-one send (PostgreSQL)', ...result }]
      } finally {
        await ph.close()
        await client.end()
      }
    } finally {
      await names.drop()
    }
  },
}
