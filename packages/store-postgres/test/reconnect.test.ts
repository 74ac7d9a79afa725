import { openPigeonhole } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { expectExactly, newestCursor, record, storedEvents, waitFor } from './helpers.js'
import { describePostgres, rawClient, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: the listening connection drops', () => {
  const schemas = useSchemas('ph_reconnect')

  it('reconnects with backoff and catches up from its last cursor: nothing is missed', async () => {
    const schema = schemas.next()
    const writer = await openPigeonhole({ store: schemas.store(schema) })
    // No periodic check during the test: only the reconnect can bring the missed events.
    const watched = schemas.store(schema, {
      pollIntervalMs: 600_000,
      reconnectDelayMs: { min: 400, max: 2000 },
    })
    const reader = await openPigeonhole({ store: watched })
    const client = await rawClient()
    try {
      for (const address of ['alice', 'bob']) await writer.accounts.register({ address })
      const start = await newestCursor(client, schema)
      await waitFor(() => reader.events.lastCursor === start, 'the reader to open')
      const seen = record(reader)

      for (let round = 0; round < 2; round++) {
        const pid = watched.listenerProcessId
        expect(pid).toBeTypeOf('number')
        const { rows } = await client.query('select pg_terminate_backend($1) as done', [pid])
        expect(rows[0].done).toBe(true)
        await waitFor(() => watched.listenerProcessId === undefined, 'the drop to be noticed')
        // Written while nobody listens for the reader.
        for (let i = 0; i < 10; i++) {
          await writer.messages.send({ from: 'alice', to: ['bob'], content: { round, i } })
        }
        const end = await newestCursor(client, schema)
        await waitFor(() => reader.events.lastCursor === end, 'the reader to catch up')
        expect(watched.listenerProcessId).toBeTypeOf('number')
        expect(watched.listenerProcessId).not.toBe(pid)
      }
      expect(seen).toHaveLength(2 * 10 * 2)
      expectExactly(seen, await storedEvents(client, schema, start), 'reader')

      // Listening again: a new event arrives by NOTIFY, without any poll.
      await writer.messages.send({ from: 'bob', to: ['alice'], content: { after: true } })
      const last = await newestCursor(client, schema)
      await waitFor(() => reader.events.lastCursor === last, 'a live event after reconnecting')
    } finally {
      await client.end()
      await Promise.all([writer.close(), reader.close()])
    }
  })
})
