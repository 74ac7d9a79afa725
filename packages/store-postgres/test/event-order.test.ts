import { type Message, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresStore } from '../src/index.js'
import { expectExactly, newestCursor, record, storedEvents, waitFor, withGate } from './helpers.js'
import { databaseUrl, describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: event order across instances', () => {
  const schemas = useSchemas('ph_order')
  let client: pg.Client
  beforeAll(async () => {
    client = await rawClient()
  })
  afterAll(async () => {
    await client.end()
  })

  it('trap 1: a transaction that took its place early and commits late is still seen, once, in cursor order', async () => {
    const schema = schemas.next()
    const gate = withGate(schemas.store(schema))
    const a = await openPigeonhole({ store: gate.store })
    const b = await openPigeonhole({ store: schemas.store(schema) })
    const c = await openPigeonhole({ store: schemas.store(schema) })
    const engines: [string, Pigeonhole][] = [
      ['a', a],
      ['b', b],
      ['c', c],
    ]
    try {
      for (const address of ['alice', 'bob', 'carol', 'dave']) {
        await b.accounts.register({ address })
      }
      const start = await newestCursor(client, schema)
      await waitFor(() => engines.every(([, e]) => e.events.lastCursor === start), 'open')
      const seen = engines.map(([name, e]) => [name, record(e)] as const)

      // A writes a message and its events, then waits before committing.
      const held = gate.arm()
      const late = a.messages.send({ from: 'alice', to: ['bob'], content: { text: 'late' } })
      await held

      // Meanwhile B commits five sends (to others: A holds bob's count row). Every instance
      // gets them live: A's open transaction holds no one back.
      const early: Message[] = []
      for (let i = 0; i < 5; i++) {
        early.push(await b.messages.send({ from: 'carol', to: ['dave'], content: { i } }))
      }
      const during = await newestCursor(client, schema)
      await waitFor(
        () => engines.every(([, e]) => e.events.lastCursor === during),
        'the committed events reaching every instance while a transaction is open',
      )
      const seenDuring = seen.map(([, events]) => events.length)

      gate.release()
      const lateMessage = await late
      const end = await newestCursor(client, schema)
      await waitFor(() => engines.every(([, e]) => e.events.lastCursor === end), 'catch up')

      const stored = await storedEvents(client, schema, start)
      for (const [name, events] of seen) expectExactly(events, stored, name)
      const { rows } = await client.query<{ id: string; cursor: string; message_id: string }>(
        `select id, cursor, message_id from "${schema}".events where message_id is not null`,
      )
      const late$ = rows.filter((r) => r.message_id === lateMessage.id)
      const early$ = rows.filter((r) => early.some((m) => m.id === r.message_id))
      expect(late$).toHaveLength(2)
      expect(early$).toHaveLength(10)
      // The trap: A's events were inserted before B's (smaller insert ids), so a reader of
      // "id > last seen" would have passed them while they were invisible. Numbered at
      // commit, they come after B's, and every instance got them.
      expect(seenDuring).toEqual([10, 10, 10])
      const maxEarlyId = Math.max(...early$.map((r) => Number(r.id)))
      const minEarlyCursor = Math.min(...early$.map((r) => Number(r.cursor)))
      for (const r of late$) {
        expect(Number(r.id)).toBeLessThan(maxEarlyId)
        expect(Number(r.cursor)).toBeGreaterThan(minEarlyCursor)
      }
      for (const [, e] of engines) expect(await e.verify()).toEqual([])
    } finally {
      gate.release()
      await Promise.all(engines.map(([, e]) => e.close()))
    }
  })

  it('trap 2: wake-ups are sent after commit, outside every writing transaction, coalesced', async () => {
    const schema = schemas.next()
    // A pool we watch: each statement is noted with its connection's transaction state.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 })
    const notes: { text: string; inTransaction: boolean }[] = []
    pool.on('connect', (conn) => {
      const query = conn.query.bind(conn) as (...args: unknown[]) => unknown
      conn.query = ((...args: unknown[]) => {
        const first = args[0] as string | { text?: string }
        const text = typeof first === 'string' ? first : String(first?.text)
        notes.push({ text, inTransaction: conn.getTransactionStatus() !== 'I' })
        return query(...args)
      }) as typeof conn.query
    })
    const writer = await openPigeonhole({ store: postgresStore({ pool, schema }) })
    const reader = await openPigeonhole({ store: schemas.store(schema) })
    const listener = await rawClient()
    const payloads: number[] = []
    listener.on('notification', (n) => payloads.push(Number(n.payload)))
    try {
      await listener.query(`LISTEN "pigeonhole:${schema}"`)
      for (const address of ['alice', 'bob']) await writer.accounts.register({ address })
      const start = await newestCursor(client, schema)
      await waitFor(() => reader.events.lastCursor === start, 'the other instance to open')
      const seen = record(reader)
      const from = notes.length
      const sends = 40
      await Promise.all(
        Array.from({ length: sends }, (_, i) =>
          writer.messages.send({ from: 'alice', to: ['bob'], content: { i } }),
        ),
      )
      const end = await newestCursor(client, schema)
      await waitFor(() => payloads.at(-1) === end, 'the NOTIFY of the newest cursor')
      await waitFor(() => reader.events.lastCursor === end, 'the other instance')
      expect(seen).toHaveLength(2 * sends)

      const during = notes.slice(from)
      const notifies = during.filter((n) => /pg_notify|^\s*notify/i.test(n.text))
      const writes = during.filter((n) => n.text.startsWith('insert into "messages"'))
      expect(writes).toHaveLength(sends)
      expect(notifies.length).toBeGreaterThan(0)
      // Coalesced: fewer wake-ups than commits.
      expect(notifies.length).toBeLessThan(sends)
      // Never inside a transaction: no writer waits on the database-wide NOTIFY lock.
      expect(notifies.filter((n) => n.inTransaction)).toEqual([])
      expect(during.filter((n) => n.inTransaction && /notify/i.test(n.text))).toEqual([])
      // The payload is the new cursor only, and cursors only grow.
      expect(
        payloads.every((p, i) => Number.isSafeInteger(p) && (i === 0 || p > payloads[i - 1]!)),
      ).toBe(true)
    } finally {
      await listener.end()
      await Promise.all([writer.close(), reader.close()])
      await pool.end()
    }
  })
})
