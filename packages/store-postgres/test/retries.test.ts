import { isPigeonholeError, openPigeonhole, PigeonholeError } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { postgresStore, type RetryInfo } from '../src/index.js'
import { waitForLockWait } from './helpers.js'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: failures inside transactions', () => {
  const schemas = useSchemas('ph_retry')

  it('a deadlock (40P01) is retried and the change goes through once', async () => {
    const schema = schemas.next()
    const retries: RetryInfo[] = []
    const ph = await openPigeonhole({
      store: schemas.store(schema, { onRetry: (r) => retries.push(r) }),
    })
    const other = await rawClient(schema)
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 0 } })
      // The other session is never the victim: its deadlock check comes much later.
      await other.query(`set deadlock_timeout = '20s'`)
      await other.query('begin')
      await other.query(`update box_counts set total = total where owner = 'bob' and box = 'inbox'`)
      // The send locks alice's 'sent' count, then waits for bob's 'inbox' count ...
      const send = ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 1 } })
      await waitForLockWait('insert into "box_counts"%', schema)
      // ... which the other session holds while it waits for alice's: a cycle.
      const crossing = other.query(
        `update box_counts set total = total where owner = 'alice' and box = 'sent'`,
      )
      // The send, waiting first, finds the cycle first and is rolled back: the other session
      // goes on and commits; the send runs again and goes through.
      await crossing
      await other.query('commit')
      const sent = await send
      expect(sent.content).toEqual({ n: 1 })
      expect(retries.map((r) => r.sqlState)).toContain('40P01')
      expect(await ph.boxes.counts('bob')).toMatchObject({ inbox: { total: 2, unread: 2 } })
      expect(await ph.verify()).toEqual([])
    } finally {
      await other.end()
      await ph.close()
    }
  })

  it('a serialization failure (40001) under repeatable read is retried', async () => {
    const schema = schemas.next()
    const retries: RetryInfo[] = []
    const ph = await openPigeonhole({
      store: schemas.store(schema, {
        isolation: 'repeatable read',
        onRetry: (r) => retries.push(r),
      }),
    })
    const other = await rawClient(schema)
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      const m = await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      await other.query('begin')
      await other.query(
        `update box_entries set updated_at = updated_at where owner = 'bob' and message_id = $1`,
        [m.id],
      )
      // The mark's UPDATE starts its snapshot, then waits to lock the row the other session
      // holds; that session commits a new row version, which repeatable read may not lock.
      const marked = ph.messages.markRead({ owner: 'bob', ids: [m.id] })
      await waitForLockWait('update "box_entries"%', schema)
      await other.query('commit')
      expect(await marked).toEqual({ changed: 1 })
      expect(retries.map((r) => r.sqlState)).toContain('40001')
      expect(await ph.verify()).toEqual([])
    } finally {
      await other.end()
      await ph.close()
    }
  })

  it('anything else surfaces as a PigeonholeError store_error with the cause, and nothing is written', async () => {
    const schema = schemas.next()
    const retries: RetryInfo[] = []
    const ph = await openPigeonhole({
      store: schemas.store(schema, { onRetry: (r) => retries.push(r) }),
    })
    const other = await rawClient()
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      await other.query(
        `alter table "${schema}".messages add constraint no_x check (content_type <> 'X')`,
      )
      const error = await ph.messages
        .send({ from: 'alice', to: ['bob'], content: { '@type': 'X' } })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PigeonholeError)
      expect(isPigeonholeError(error, 'store_error')).toBe(true)
      const e = error as PigeonholeError
      expect(e.details).toEqual({ sqlState: '23514' })
      expect((e.cause as { code?: string }).code).toBe('23514')
      expect(retries).toEqual([])
      expect(await ph.boxes.counts('bob')).toMatchObject({ inbox: { total: 0 } })
      expect(await ph.messages.list({ owner: 'bob' })).toMatchObject({ items: [] })
    } finally {
      await other.end()
      await ph.close()
    }
  })

  it('a server that cannot be reached fails the open with store_error', async () => {
    const store = postgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'nowhere',
      listen: false,
    })
    const error = await openPigeonhole({ store }).catch((e: unknown) => e)
    expect(isPigeonholeError(error, 'store_error')).toBe(true)
    await store.close()
  })

  it('refuses bad options with invalid_input', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/test'
    const bad = [
      () => postgresStore({ connectionString: '' }),
      () => postgresStore({ connectionString: url, schema: 'no spaces' }),
      () => postgresStore({ connectionString: url, poolSize: 0 }),
      () => postgresStore({ connectionString: url, maxAttempts: 0 }),
      // biome-ignore lint/suspicious/noExplicitAny: a caller without types
      () => postgresStore({ connectionString: url, isolation: 'chaos' as any }),
    ]
    for (const open of bad) expect(open).toThrow(expect.objectContaining({ code: 'invalid_input' }))
  })
})
