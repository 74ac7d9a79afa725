import { type Delivery, memoryNetwork, openPigeonhole } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { describePostgres, useSchemas } from './postgres-env.js'

describePostgres('store-postgres: two instances share one outbox', () => {
  const schemas = useSchemas('ph_outbox')

  it('each outbox row is sent by one instance at a time, and the order per pair holds', async () => {
    const sentTimes = new Map<string, number>()
    const net = memoryNetwork({
      deliver: async (_from, to, batch, next) => {
        if (to === 'b') {
          for (const d of batch as Delivery[]) sentTimes.set(d.id, (sentTimes.get(d.id) ?? 0) + 1)
          // Slow enough that both workers claim while the other's batch is on the wire.
          await new Promise((r) => setTimeout(r, 5))
        }
        return next(batch)
      },
    })
    // One clock for both instances, moving on every read: created_at orders the sends.
    let now = 1_000_000
    const clock = { now: () => now++ }
    const schema = schemas.next()
    const delivery = { baseDelayMs: 0, batchSize: 5 }
    const a1 = await openPigeonhole({
      store: schemas.store(schema),
      clock,
      transport: net.transport('a'),
      delivery,
    })
    const a2 = await openPigeonhole({
      store: schemas.store(schema),
      clock,
      transport: net.transport('a'),
      delivery,
    })
    const b = await openPigeonhole({ store: await schemas.fresh(), transport: net.transport('b') })
    try {
      await a1.accounts.register({ address: 'alice' })
      await a1.accounts.register({ address: 'carol' })
      await b.accounts.register({ address: 'bob' })
      const order: Record<string, string[]> = { alice: [], carol: [] }
      // Both instances send, both workers deliver from the shared outbox at once.
      for (let i = 0; i < 60; i++) {
        const from = i % 3 === 0 ? 'carol' : 'alice'
        const m = await (i % 2 ? a1 : a2).messages.send({ from, to: ['bob@b'], content: { i } })
        order[from]!.push(m.id)
      }
      await net.settle({ timeoutMs: 60_000 })
      // Wake the other instance too, and settle again: nothing is left anywhere.
      await net.settle({ timeoutMs: 60_000 })
      expect([...sentTimes.values()].every((n) => n === 1)).toBe(true)
      expect(sentTimes.size).toBe(60)
      const inbox = await b.messages.list({ owner: 'bob', order: 'oldest', limit: 1000 })
      const got = inbox.items.map((x) => x.message)
      for (const from of ['alice', 'carol']) {
        expect(got.filter((m) => m.from === `${from}@a`).map((m) => m.id)).toEqual(order[from])
      }
      expect(await a1.verify()).toEqual([])
      expect(await b.verify()).toEqual([])
    } finally {
      await Promise.all([a1.close(), a2.close(), b.close()])
    }
  })
})
