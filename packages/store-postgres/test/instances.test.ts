import {
  isPigeonholeError,
  type Message,
  openPigeonhole,
  type Pigeonhole,
  type PigeonholeEvent,
} from '@pigeonhole/core'
import { expect, it } from 'vitest'
import type { RetryInfo } from '../src/index.js'
import {
  expectExactly,
  newestCursor,
  record,
  storedEvents,
  waitFor,
  waitForLockWait,
} from './helpers.js'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: two engines on one database at once', () => {
  const schemas = useSchemas('ph_two')

  /** Two engines on one fresh schema, with alice, bob and carol registered. */
  async function twoEngines(retries: RetryInfo[] = []) {
    const schema = schemas.next()
    const onRetry = (r: RetryInfo) => retries.push(r)
    const a = await openPigeonhole({ store: schemas.store(schema, { onRetry }) })
    const b = await openPigeonhole({ store: schemas.store(schema, { onRetry }) })
    for (const address of ['alice', 'bob', 'carol']) await a.accounts.register({ address })
    return { schema, a, b, close: () => Promise.all([a.close(), b.close()]) }
  }

  it('the same idempotency key sent from both at the same moment stores one message, and both get it', async () => {
    const retries: RetryInfo[] = []
    const { schema, a, b, close } = await twoEngines(retries)
    const other = await rawClient(schema)
    try {
      await a.messages.send({ from: 'alice', to: ['bob'], content: { first: true } })
      // Hold alice's 'sent' count row: both sends get as far as their message insert.
      await other.query('begin')
      await other.query(
        `update box_counts set total = total where owner = 'alice' and box = 'sent'`,
      )
      const input = { from: 'alice', to: ['bob'], content: { text: 'once' }, idempotencyKey: 'k' }
      const fromA = a.messages.send(input)
      const fromB = b.messages.send(input)
      // One waits on the count row, the other on the first one's uncommitted key.
      await waitForLockWait('insert into "box_counts"%', schema)
      await waitForLockWait('insert into "messages"%', schema)
      await other.query('commit')
      const [ma, mb] = await Promise.all([fromA, fromB])
      expect(ma.id).toBe(mb.id)
      expect(ma).toEqual(mb)
      expect(retries.map((r) => r.sqlState)).toContain('23505')
      const { rows } = await other.query(`select id from messages where idempotency_key = 'k'`)
      expect(rows).toEqual([{ id: ma.id }])
      expect(await a.boxes.counts('bob')).toMatchObject({ inbox: { total: 2, unread: 2 } })
      expect(await a.verify()).toEqual([])
    } finally {
      await other.end()
      await close()
    }
  })

  it('many keys raced from both engines: one message per key, the same for both callers', async () => {
    const { a, b, close } = await twoEngines()
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`)
      const send = (ph: Pigeonhole, key: string) =>
        ph.messages.send({ from: 'bob', to: ['carol'], content: { key }, idempotencyKey: key })
      const results = await Promise.all(keys.flatMap((k) => [send(a, k), send(b, k)]))
      for (let i = 0; i < keys.length; i++) expect(results[2 * i]!.id).toBe(results[2 * i + 1]!.id)
      expect(new Set(results.map((m) => m.id)).size).toBe(keys.length)
      expect(await b.boxes.counts('carol')).toMatchObject({ inbox: { total: keys.length } })
      expect(await b.verify()).toEqual([])
    } finally {
      await close()
    }
  })

  it('two edits with the same expected version from both: exactly one wins, the other gets version_conflict', async () => {
    const { a, b, close } = await twoEngines()
    try {
      const m = await a.messages.send({ from: 'alice', to: ['bob'], content: { v: 1 } })
      for (let version = 1; version <= 15; version++) {
        const edit = (ph: Pigeonhole, by: string) =>
          ph.messages.update({ id: m.id, by: 'alice', expectedVersion: version, content: { by } })
        const outcomes = await Promise.allSettled([edit(a, 'a'), edit(b, 'b')])
        const won = outcomes.filter((o) => o.status === 'fulfilled')
        const lost = outcomes.filter((o) => o.status === 'rejected')
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        expect(isPigeonholeError(lost[0]!.reason, 'version_conflict')).toBe(true)
        const winner = (won[0] as PromiseFulfilledResult<Message>).value
        expect(winner.version).toBe(version + 1)
        expect((await b.messages.get({ owner: 'bob', id: m.id }))!.content).toEqual(winner.content)
      }
      expect(await a.verify()).toEqual([])
    } finally {
      await close()
    }
  })

  it('an idle engine sees every event of the other, in order, live and through since(0)', async () => {
    const { schema, a, b, close } = await twoEngines()
    const client = await rawClient(schema)
    try {
      const live = record(b)
      const replayed: PigeonholeEvent[] = []
      b.events.since(0).subscribe((e) => replayed.push(e))
      for (let i = 0; i < 5; i++)
        await a.messages.send({ from: 'alice', to: ['bob'], content: { i } })
      await a.messages.markRead({ owner: 'bob', box: 'inbox' })
      const end = await newestCursor(client, schema)
      await waitFor(() => replayed.at(-1)?.cursor === end, 'the idle engine to catch up')
      expectExactly(replayed, await storedEvents(client, schema), 'since(0) on the idle engine')
      const fromOpen = await storedEvents(client, schema, live[0]!.cursor - 1)
      expectExactly(live, fromOpen, 'events$ on the idle engine')
      expect(b.events.lastCursor).toBe(end)
    } finally {
      await client.end()
      await close()
    }
  })

  it('verify() on either engine is clean in every round while both write at once', async () => {
    const { a, b, close } = await twoEngines()
    try {
      const first = await a.messages.send({ from: 'alice', to: ['bob'], content: {} })
      for (let round = 0; round < 20; round++) {
        const writes = Promise.all([
          ...Array.from({ length: 5 }, (_, i) =>
            (i % 2 ? a : b).messages.send({ from: 'alice', to: ['bob', 'carol'], content: { i } }),
          ),
          a.messages.markRead({ owner: 'bob', box: 'inbox' }),
          b.messages.markUnread({ owner: 'bob', ids: [first.id] }),
        ])
        const found = await Promise.all([a.verify(), b.verify()])
        await writes
        expect(found, `round ${round}`).toEqual([[], []])
      }
    } finally {
      await close()
    }
  })

  it('several instances opening a new schema at once migrate it once', async () => {
    const schema = schemas.next()
    const engines = await Promise.all(
      Array.from({ length: 5 }, () => openPigeonhole({ store: schemas.store(schema) })),
    )
    const client = await rawClient(schema)
    try {
      const { rows } = await client.query('select name from pigeonhole_migrations order by name')
      expect(rows.map((r) => r.name)).toEqual([
        '001-initial',
        '002-postgres-event-order',
        '003-removed-accounts',
        '004-requests',
        '005-consent',
        '006-files',
        '007-delivery',
        '008-api-keys',
        '009-webhooks',
      ])
      await engines[0]!.accounts.register({ address: 'alice' })
      const end = await newestCursor(client, schema)
      await waitFor(() => engines.every((e) => e.events.lastCursor === end), 'every instance')
    } finally {
      await client.end()
      await Promise.all(engines.map((e) => e.close()))
    }
  })
})
