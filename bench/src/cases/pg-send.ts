import { systemClock, ulidIds } from '@pigeonhole/core'
import type pg from 'pg'
import { type BenchCase, planFor } from '../lib/case.js'
import { measureAlternating } from '../lib/measure.js'
import {
  assertSameRowsPg,
  openPgEngine,
  rawClient,
  reachable,
  schemas,
  unreachableLine,
} from '../lib/postgres.js'

/** The statements of a hand-written send with pg, named (server-prepared) once per connection. */
function sendStatements(client: pg.Client) {
  const ids = ulidIds(systemClock)
  const q = (name: string, text: string, values: unknown[]) => client.query({ name, text, values })
  return {
    next: () => ({ id: ids.next('msg'), now: Date.now() }),
    accounts: (from: string, to: string) =>
      q('ph-accounts', 'select address from accounts where address in ($1, $2)', [from, to]),
    check(found: pg.QueryResult, from: string, to: string): void {
      if (found.rows.length !== (from === to ? 1 : 2)) throw new Error('no such account')
    },
    /**
     * The message, its two entries, the two box counts and the two events (no cursor), each a
     * function that sends its statement.
     */
    writes(id: string, now: number, from: string, to: string, content: object) {
      return [
        () =>
          q(
            'ph-message',
            `insert into messages (id, sender, recipients, content, content_type, attachments,
             thread_id, broadcast, created_at, updated_at, version, idem_sender, idempotency_key,
             payload_hash, retracted_at)
           values ($1, $2, $3, $4, null, '[]', null, 0, $5, $5, 1, $2, null, null, null)`,
            [id, from, JSON.stringify([to]), JSON.stringify(content), now],
          ),
        () =>
          q(
            'ph-entries',
            `insert into box_entries (owner, message_id, role, box, created_at, updated_at, version,
             read_at, seen_at, deleted_at)
           values ($1, $2, 'sent', 'sent', $3, $3, 1, $3, $3, null),
                  ($4, $2, 'received', 'inbox', $3, $3, 1, null, null, null)`,
            [from, id, now, to],
          ),
        () =>
          q(
            'ph-counts',
            `insert into box_counts (owner, box, total, unread)
           values ($1, 'sent', 1, 0), ($2, 'inbox', 1, 1)
           on conflict (owner, box) do update set total = box_counts.total + excluded.total,
             unread = box_counts.unread + excluded.unread`,
            [from, to],
          ),
        () =>
          q(
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
          ),
      ]
    },
    /** The numbering round the store runs after each commit. */
    number: () => q('ph-number', 'select top, assigned from pigeonhole_assign_cursors(10000)', []),
  }
}

/**
 * A hand-written send with pg, one statement at a time: in one transaction, check both
 * accounts exist, insert the message, its two entries, upsert the two box counts and insert
 * the two events without a cursor; after commit, one numbering round gives the events their
 * cursors, as the store does (core's migration 002-postgres-event-order). Not done: NOTIFY,
 * reading the events back to emit them, retrying serialization failures. 8 round trips.
 */
export function referenceSendPg(client: pg.Client) {
  const st = sendStatements(client)
  return async (from: string, to: string, content: object): Promise<string> => {
    const { id, now } = st.next()
    await client.query('begin')
    try {
      st.check(await st.accounts(from, to), from, to)
      for (const write of st.writes(id, now, from, to, content)) await write()
      await client.query('commit')
    } catch (error) {
      await client.query('rollback')
      throw error
    }
    await st.number()
    return id
  }
}

/**
 * The same send on a pipelining client (`pipeline: true`): statements whose answers are not
 * needed before the next go out together. BEGIN with the account check; the four inserts,
 * COMMIT and the numbering round (which runs after the commit, in order) together: 2 round
 * trips. What a developer who knows pg's pipeline mode would write.
 */
export function referenceSendPgPipelined(client: pg.Client) {
  const st = sendStatements(client)
  const noop = () => {}
  return async (from: string, to: string, content: object): Promise<string> => {
    const { id, now } = st.next()
    const begin = client.query('begin')
    const found = st.accounts(from, to)
    try {
      await begin
      st.check(await found, from, to)
    } catch (error) {
      found.catch(noop)
      await client.query('rollback')
      throw error
    }
    const writes = st.writes(id, now, from, to, content).map((write) => write())
    const commit = client.query('commit')
    const number = st.number()
    try {
      await Promise.all(writes)
    } catch (error) {
      // The transaction is aborted: COMMIT answers ROLLBACK; the round numbers nothing.
      await Promise.allSettled([commit, number])
      throw error
    }
    await commit
    await number
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
      const pipelinedSchema = names.next()
      for (const schema of [referenceSchema, pipelinedSchema]) {
        const setup = await openPgEngine(schema, { listen: false })
        await setup.accounts.register({ address: 'alice' })
        await setup.accounts.register({ address: 'bob' })
        await setup.close()
      }
      const ph = await openPgEngine(engineSchema)
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
      const client = await rawClient(referenceSchema)
      const pipelinedClient = await rawClient(pipelinedSchema, { pipeline: true })
      const send = referenceSendPg(client)
      const sendPipelined = referenceSendPgPipelined(pipelinedClient)
      let n = 0
      const content = () => ({ subject: 'Hi', text: `Hello Bob #${n++}` })
      try {
        const [engine, sequential, pipelined] = await measureAlternating(
          [
            () => ph.messages.send({ from: 'alice', to: ['bob'], content: content() }),
            () => send('alice', 'bob', content()),
            () => sendPipelined('alice', 'bob', content()),
          ],
          planFor(
            env,
            { warmupOps: 20, samples: 3, opsPerSample: 30 },
            { warmupOps: 200, samples: 15, opsPerSample: 200 },
          ),
        )
        await ph.close()
        await assertSameRowsPg(engineSchema, referenceSchema)
        await assertSameRowsPg(engineSchema, pipelinedSchema)
        return [
          {
            case: 'pg-send',
            measure: 'one-to-one send, pg one at a time',
            engine: engine!,
            reference: sequential!,
          },
          {
            case: 'pg-send',
            measure: 'one-to-one send, pg pipelined',
            engine: engine!,
            reference: pipelined!,
          },
        ]
      } finally {
        await ph.close()
        await client.end()
        await pipelinedClient.end()
      }
    } finally {
      await names.drop()
    }
  },
}
