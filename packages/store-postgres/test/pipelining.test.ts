import type { Writable } from 'node:stream'
import { isPigeonholeError, openPigeonhole, resultUnused } from '@pigeonhole/core'
import { CompiledQuery } from 'kysely'
import { expect, it } from 'vitest'
import { postgresStore } from '../src/index.js'
import { databaseUrl, describePostgres, rawClient, useSchemas } from './postgres-env.js'

/** A statement core would mark: its answer is not waited for inside a transaction. */
function unused(sql: string, parameters: unknown[] = []): CompiledQuery {
  const query: CompiledQuery & { [resultUnused]?: true } = {
    ...CompiledQuery.raw(sql, parameters),
  }
  query[resultUnused] = true
  return query
}

describePostgres('store-postgres: statements sent without waiting (pipelining)', () => {
  const schemas = useSchemas('ph_pipe')

  it('the first failure among unanswered statements is what the next statement throws; nothing is written', async () => {
    const schema = schemas.next()
    const ph = await openPigeonhole({ store: schemas.store(schema) })
    const store = schemas.store(schema)
    const client = await rawClient(schema)
    await client.query('create table t (id integer primary key, v text not null)')
    try {
      const run = store.transaction(async (trx) => {
        await trx.executeQuery(unused(`insert into t values (1, 'ok')`))
        // A not-null violation (23502), not retried; the next insert only finds the
        // transaction aborted (25P02).
        await trx.executeQuery(unused('insert into t values (2, null)'))
        await trx.executeQuery(unused(`insert into t values (3, 'also')`))
        return trx.executeQuery(CompiledQuery.raw('select count(*) from t'))
      })
      const error = await run.catch((e: unknown) => e)
      expect(isPigeonholeError(error, 'store_error')).toBe(true)
      expect((error as { details: { sqlState?: string } }).details.sqlState).toBe('23502')
      const { rows } = await client.query('select count(*)::int as n from t')
      expect(rows[0].n).toBe(0)
    } finally {
      await client.end()
      await store.close()
      await ph.close()
    }
  })

  it('a failure of the last unanswered statement fails the commit instead of rolling back quietly', async () => {
    const schema = schemas.next()
    const ph = await openPigeonhole({ store: schemas.store(schema) })
    const store = schemas.store(schema)
    const client = await rawClient(schema)
    await client.query('create table t (id integer primary key, v text not null)')
    try {
      const run = store.transaction(async (trx) => {
        await trx.executeQuery(unused(`insert into t values (1, 'ok')`))
        await trx.executeQuery(unused('insert into t values (2, null)'))
        return 'committed?'
      })
      const error = await run.catch((e: unknown) => e)
      expect((error as { details: { sqlState?: string } }).details.sqlState).toBe('23502')
      const { rows } = await client.query('select count(*)::int as n from t')
      expect(rows[0].n).toBe(0)
      // The connection is usable afterwards: the next transaction commits.
      await store.transaction(async (trx) => {
        await trx.executeQuery(unused(`insert into t values (4, 'later')`))
      })
      const after = await client.query('select v from t')
      expect(after.rows).toEqual([{ v: 'later' }])
    } finally {
      await client.end()
      await store.close()
      await ph.close()
    }
  })

  it('a kept (named) statement whose table gained a column fails at most once: the connection is replaced', async () => {
    const schema = schemas.next()
    const ph = await openPigeonhole({
      store: postgresStore({ connectionString: databaseUrl, schema, poolSize: 1 }),
    })
    const client = await rawClient(schema)
    try {
      await ph.accounts.register({ address: 'alice' })
      for (let i = 0; i < 3; i++) expect(await ph.accounts.get('alice')).not.toBeNull()
      // As another instance's migration would.
      await client.query('alter table accounts add column extra integer')
      const first = await ph.accounts.get('alice').catch((e: unknown) => e)
      if (first instanceof Error) {
        expect((first as unknown as { details: { sqlState?: string } }).details.sqlState).toBe(
          '0A000',
        )
      }
      expect(await ph.accounts.get('alice')).toMatchObject({ address: 'alice' })
      expect(await ph.accounts.get('alice')).toMatchObject({ address: 'alice' })
    } finally {
      await client.end()
      await ph.close()
    }
  })

  it('a send is answered in two round trips, and its events are emitted without a read-back', async () => {
    const schema = schemas.next()
    const store = schemas.store(schema)
    const ph = await openPigeonhole({ store })
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 0 } })
      // Each statement noted with how many were unanswered on its connection when it left.
      const notes: { text: string; behind: number }[] = []
      const watched = new Set<unknown>()
      const pool = store.pool
      const connect = pool.connect.bind(pool)
      pool.connect = ((callback?: unknown) => {
        // pool.query's own checkout (the NOTIFY) passes a callback: left as it is.
        if (callback) return connect(callback as never)
        return watch()
      }) as typeof pool.connect
      const watch = async () => {
        const client = await connect()
        if (!watched.has(client)) {
          watched.add(client)
          const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
          let unanswered = 0
          client.query = ((...args: unknown[]) => {
            const first = args[0] as string | { text: string }
            notes.push({ text: typeof first === 'string' ? first : first.text, behind: unanswered })
            unanswered += 1
            const done = () => {
              unanswered -= 1
            }
            const last = args.at(-1)
            if (typeof last === 'function') {
              // pool.query's callback form (the NOTIFY)
              args[args.length - 1] = (...result: unknown[]) => {
                done()
                return (last as (...a: unknown[]) => unknown)(...result)
              }
              return query(...args)
            }
            const answer = query(...args)
            answer.then(done, done)
            return answer
          }) as typeof client.query
        }
        return client
      }
      const seen: number[] = []
      ph.events$.subscribe((e) => seen.push(e.cursor))
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 1 } })
      // A round trip starts with a statement sent while none was unanswered.
      const trips = notes.filter((n) => n.behind === 0 && !/pg_notify/.test(n.text))
      expect(trips).toHaveLength(2)
      expect(notes.filter((n) => /from "events"/.test(n.text))).toEqual([])
      expect(seen).toHaveLength(2)
      expect(seen[1]).toBe(seen[0]! + 1)
    } finally {
      await ph.close()
    }
  })

  it('the statements of a round trip leave in one socket write', async () => {
    const schema = schemas.next()
    const store = schemas.store(schema)
    const ph = await openPigeonhole({ store })
    try {
      for (const address of ['alice', 'bob']) await ph.accounts.register({ address })
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 0 } })
      // Writes on the sockets of the connections the send checks out (not the NOTIFY's).
      let writes = 0
      const watched = new WeakSet<object>()
      const pool = store.pool
      const connect = pool.connect.bind(pool)
      pool.connect = ((callback?: unknown) => {
        if (callback) return connect(callback as never)
        return connect().then((client) => {
          const stream = (client as unknown as { connection: { stream: Writable } }).connection
            .stream
          if (!watched.has(stream)) {
            watched.add(stream)
            for (const method of ['_write', '_writev'] as const) {
              const original = stream[method]!.bind(stream)
              stream[method] = ((...args: never[]) => {
                writes += 1
                return (original as (...a: never[]) => void)(...args)
              }) as never
            }
          }
          return client
        })
      }) as typeof pool.connect
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 1 } })
      // BEGIN with the account and consent read; inserts, COMMIT and numbering round.
      expect(writes).toBe(2)
    } finally {
      await ph.close()
    }
  })
})
