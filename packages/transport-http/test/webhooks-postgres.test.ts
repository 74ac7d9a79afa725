import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { expect, it } from 'vitest'
import { describePostgres, useSchemas } from '../../store-postgres/test/postgres-env.js'
import { newWebhookSecret, webhooks } from '../src/index.js'
import { until, WebhookReceiver } from './helpers/webhook-receiver.js'

describePostgres('webhooks: several instances on one PostgreSQL', () => {
  const schemas = useSchemas('ph_webhooks')

  it('each event is sent by one instance, once, in order per account, never two at once for an account', async () => {
    const secret = newWebhookSecret()
    const receiver = new WebhookReceiver(secret)
    await receiver.up()
    receiver.delay = () => Math.floor(Math.random() * 4)
    // A few failures: retries are claimed again, by either instance.
    receiver.answer = (n) => (n % 23 === 7 ? 503 : 200)
    const schema = schemas.next()
    const engines: Pigeonhole[] = []
    try {
      for (let i = 0; i < 3; i++)
        engines.push(await openPigeonhole({ store: schemas.store(schema) }))
      const [a, b, c] = engines as [Pigeonhole, Pigeonhole, Pigeonhole]
      const runners = []
      for (const e of engines) {
        runners.push(
          await webhooks(e, {
            endpoints: [{ id: 'app', url: receiver.url, secret }],
            startAt: 'beginning',
            baseDelayMs: 20,
            maxDelayMs: 200,
            concurrency: 4,
            pollIntervalMs: 50,
          }),
        )
      }
      for (const who of ['alice', 'bob', 'carol', 'dave'])
        await a.accounts.register({ address: who })
      // Every instance writes: the events of one account come from all three.
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          [a, b, c][i % 3]!.messages.send({
            from: i % 2 ? 'alice' : 'carol',
            to: i % 4 < 2 ? ['bob'] : ['dave'],
            content: { i },
          }),
        ),
      )
      const stored = new Map<string, number[]>()
      const page = await a.events.read({ after: 0, limit: 1000 })
      for (const e of page.items) {
        const list = stored.get(e.owner ?? '') ?? []
        stored.set(e.owner ?? '', list)
        list.push(e.cursor)
      }
      const total = page.items.length
      await until(() => receiver.deduped().length === total, 30_000, 'every event')
      await new Promise((r) => setTimeout(r, 200))
      expect(receiver.byAccount()).toEqual(stored)
      // No failure was hidden: each acknowledged id arrived once.
      expect(receiver.received.length).toBe(total)
      expect(receiver.overlaps).toEqual([])
      // The receiver has answered; the engines record each answer just after.
      await Promise.all(runners.map((r) => r.idle()))
      const status = await c.admin.webhooks.status('app')
      for (const q of status!.queues) expect(q.cursor).toBe(q.head)
    } finally {
      await Promise.all(engines.map((e) => e.close()))
      await receiver.down()
    }
  })
})
