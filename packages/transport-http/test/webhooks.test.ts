import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ManualClock,
  openPigeonhole,
  type Pigeonhole,
  type PigeonholeEvent,
  type WebhookRunner,
} from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  newWebhookSecret,
  signWebhook,
  type WebhooksOptions,
  webhookBody,
  webhooks,
} from '../src/index.js'
import { until, WebhookReceiver } from './helpers/webhook-receiver.js'

let dir: string
let secret: string
let receiver: WebhookReceiver
const open: Pigeonhole[] = []

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pigeonhole-webhooks-'))
  secret = newWebhookSecret()
  receiver = new WebhookReceiver(secret)
  await receiver.up()
})
afterEach(async () => {
  for (const ph of open.splice(0)) await ph.close()
  await receiver.down()
  rmSync(dir, { recursive: true, force: true })
})

async function engine(options: { clock?: ManualClock } = {}): Promise<Pigeonhole> {
  const ph = await openPigeonhole({
    store: sqliteStore({ path: join(dir, 'app.db') }),
    ...(options.clock && { clock: options.clock }),
  })
  open.push(ph)
  return ph
}

async function start(ph: Pigeonhole, more: Partial<WebhooksOptions> = {}): Promise<WebhookRunner> {
  return webhooks(ph, {
    endpoints: [{ id: 'app', url: receiver.url, secret }],
    startAt: 'beginning',
    baseDelayMs: 20,
    maxDelayMs: 200,
    ...more,
  })
}

/** The stored events of the accounts, per account ('' for none), in cursor order. */
async function storedByAccount(ph: Pigeonhole): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  const page = await ph.events.read({ after: 0, limit: 1000 })
  for (const e of page.items) {
    const list = out.get(e.owner ?? '') ?? []
    out.set(e.owner ?? '', list)
    list.push(e.cursor)
  }
  return out
}

const total = (m: Map<string, number[]>) => [...m.values()].reduce((n, l) => n + l.length, 0)

describe('webhooks (Standard Webhooks over HTTP)', () => {
  it('each event is a signed POST that verifies with the standardwebhooks library', async () => {
    const ph = await engine()
    await ph.accounts.register({ address: 'alice' })
    await ph.accounts.register({ address: 'bob' })
    const sent = await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'hi' } })
    await start(ph)
    const stored = await storedByAccount(ph)
    await until(() => receiver.received.length === total(stored), 10_000, 'every event')
    expect(receiver.refused).toEqual([])
    const received = receiver.received.find((r) => r.type === 'message.received')!
    expect(received.event.owner).toBe('bob')
    expect(received.event.messageId).toBe(sent.id)
    expect(received.id).toBe(`evt_${received.event.cursor}`)
    expect(new Date(received.timestamp).getTime()).toBe(received.event.at)
    // The same bytes, signed by us, verify with the library; another secret does not.
    const event = received.event as PigeonholeEvent
    const body = webhookBody(event)
    const ts = Math.floor(Date.now() / 1000)
    const headers = {
      'webhook-id': received.id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signWebhook(secret, received.id, ts, body),
    }
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow()
    // Rotation: two secrets, two signatures; a receiver with either verifies.
    const next = newWebhookSecret()
    const both = {
      ...headers,
      'webhook-signature': signWebhook([secret, next], received.id, ts, body),
    }
    expect(both['webhook-signature'].split(' ')).toHaveLength(2)
    expect(new Webhook(next).verify(body, both)).toEqual(JSON.parse(body))
  })

  it('a receiver down for a while gets everything once up, in order per account, once per id', async () => {
    const ph = await engine()
    await receiver.down()
    const runner = await start(ph)
    for (const a of ['alice', 'bob', 'carol']) await ph.accounts.register({ address: a })
    for (let i = 0; i < 30; i++) {
      await ph.messages.send({ from: i % 2 ? 'alice' : 'carol', to: ['bob'], content: { i } })
    }
    // Down: connections refused, retried with backoff.
    await new Promise((r) => setTimeout(r, 300))
    const status = await ph.admin.webhooks.status('app')
    expect(status!.queues.some((q) => q.attempts > 0 && q.lastError !== null)).toBe(true)
    await receiver.up()
    const stored = await storedByAccount(ph)
    await until(() => receiver.deduped().length === total(stored), 20_000, 'every event')
    expect(receiver.byAccount()).toEqual(stored)
    expect(receiver.received.length).toBe(receiver.deduped().length)
    expect(receiver.overlaps).toEqual([])
    // The receiver has answered; the engine records each answer just after.
    await runner.idle()
    const after = await ph.admin.webhooks.status('app')
    for (const q of after!.queues) expect(q.cursor).toBe(q.head)
  })

  it('a burst of 200 events for one account: in order, never two at once for it', async () => {
    const ph = await engine()
    for (const a of ['alice', 'bob', 'carol', 'dave']) await ph.accounts.register({ address: a })
    receiver.delay = () => Math.floor(Math.random() * 3)
    // Some failures on the way: retries must keep the order too.
    receiver.answer = (n) => (n % 17 === 5 ? 503 : 200)
    await start(ph, { concurrency: 4 })
    const burst = Array.from({ length: 200 }, (_, i) => ({
      from: 'alice',
      to: ['bob'],
      content: { i },
    }))
    await Promise.all([
      ph.messages.sendMany(burst.slice(0, 100).map((b, i) => ({ ...b, identifier: `a${i}` }))),
      ph.messages.sendMany(burst.slice(100).map((b, i) => ({ ...b, identifier: `b${i}` }))),
      ph.messages.send({ from: 'carol', to: ['dave'], content: { x: 1 } }),
    ])
    const stored = await storedByAccount(ph)
    expect(stored.get('alice')!.length).toBeGreaterThanOrEqual(200)
    await until(() => receiver.deduped().length === total(stored), 30_000, 'every event')
    expect(receiver.byAccount()).toEqual(stored)
    expect(receiver.received.length).toBe(receiver.deduped().length)
    expect(receiver.overlaps).toEqual([])
  })

  it('an engine restarted mid-way resumes from the stored cursor', async () => {
    let ph = await engine()
    for (const a of ['alice', 'bob']) await ph.accounts.register({ address: a })
    for (let i = 0; i < 40; i++)
      await ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })
    receiver.delay = () => 2
    await start(ph, { concurrency: 1 })
    await until(() => receiver.received.length >= 20, 10_000, '20 deliveries')
    await ph.close()
    open.splice(open.indexOf(ph), 1)
    const before = receiver.deduped().length
    ph = await engine()
    const stored = await storedByAccount(ph)
    const status = await ph.admin.webhooks.status('app')
    const acked = status!.queues.reduce(
      (n, q) => n + stored.get(q.account)!.filter((c) => c <= q.cursor).length,
      0,
    )
    // Everything acknowledged is kept: close() lets the delivery in flight finish.
    expect(acked).toBe(before)
    expect(acked).toBeLessThan(total(stored))
    await start(ph)
    await until(() => receiver.deduped().length === total(stored), 20_000, 'every event')
    expect(receiver.byAccount()).toEqual(stored)
    expect(receiver.received.length).toBe(receiver.deduped().length)
    expect(receiver.overlaps).toEqual([])
  })

  it('retries back off on the engine clock (exponential, jittered, capped) until acknowledged', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1))
    const ph = await engine({ clock })
    await ph.accounts.register({ address: 'alice' })
    let attempts = 0
    receiver.answer = () => (++attempts <= 2 ? 500 : 204)
    const runner = await start(ph, { random: () => 0.5, baseDelayMs: 1000, maxDelayMs: 60_000 })
    const queue = async () => (await ph.admin.webhooks.status('app'))!.queues[0]!
    /** Waits until the engine recorded the n-th failed attempt (the receiver answers first). */
    const failed = async (n: number) => {
      for (let i = 0; i < 500 && (await queue()).attempts !== n; i++) {
        await new Promise((r) => setTimeout(r, 10))
      }
      return queue()
    }
    await until(() => attempts === 1, 5000, 'the first attempt')
    await failed(1)
    await new Promise((r) => setTimeout(r, 100))
    // The clock has not moved: no second attempt.
    expect(attempts).toBe(1)
    let q = await queue()
    expect(q.attempts).toBe(1)
    expect(q.lastError).toContain('500')
    expect(q.dueAt - clock.now()).toBe(500) // half of min(max, 1000·2^0)
    clock.tick(499)
    runner.wake()
    await new Promise((r) => setTimeout(r, 100))
    expect(attempts).toBe(1)
    clock.tick(1)
    runner.wake()
    await until(() => attempts === 2, 5000, 'the second attempt')
    q = await failed(2)
    expect(q.attempts).toBe(2)
    expect(q.dueAt - clock.now()).toBe(1000) // half of 1000·2^1
    clock.tick(1000)
    runner.wake()
    await until(() => receiver.received.length === 1, 5000, 'the acknowledged attempt')
    await runner.idle()
    expect(attempts).toBe(3)
    q = await queue()
    expect(q.cursor).toBe(q.head)
    expect(q.attempts).toBe(0)
  })

  it('410 Gone disables the endpoint; enable() resumes where it stopped', async () => {
    const ph = await engine()
    await ph.accounts.register({ address: 'alice' })
    let gone = true
    receiver.answer = () => (gone ? 410 : 204)
    await start(ph)
    let status = (await ph.admin.webhooks.status('app'))!
    for (let i = 0; i < 200 && status.disabledAt === null; i++) {
      await new Promise((r) => setTimeout(r, 10))
      status = (await ph.admin.webhooks.status('app'))!
    }
    expect(status.disabledAt).not.toBeNull()
    expect(status.disabledReason).toContain('410')
    await ph.accounts.register({ address: 'bob' })
    await new Promise((r) => setTimeout(r, 100))
    expect(receiver.received).toEqual([])
    gone = false
    await ph.admin.webhooks.enable('app')
    const stored = await storedByAccount(ph)
    await until(() => receiver.deduped().length === total(stored), 10_000, 'every event')
    expect(receiver.byAccount()).toEqual(stored)
    status = (await ph.admin.webhooks.status('app'))!
    expect(status.disabledAt).toBeNull()
  })

  it('accounts and types filter what an endpoint gets', async () => {
    const ph = await engine()
    for (const a of ['alice', 'bob', 'carol']) await ph.accounts.register({ address: a })
    await webhooks(ph, {
      endpoints: [
        {
          id: 'bob-only',
          url: receiver.url,
          secret,
          accounts: ['bob'],
          types: ['message.received'],
        },
      ],
      startAt: 'beginning',
    })
    await ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { a: 1 } })
    await ph.messages.send({ from: 'carol', to: ['bob'], content: { a: 2 } })
    await until(() => receiver.received.length === 2, 10_000, 'two events')
    await new Promise((r) => setTimeout(r, 100))
    expect(receiver.received.map((r) => [r.type, r.event.owner])).toEqual([
      ['message.received', 'bob'],
      ['message.received', 'bob'],
    ])
  })

  it('refuses a bad configuration with invalid_input naming the option', async () => {
    const ph = await engine()
    const bad = (options: unknown) => webhooks(ph, options as WebhooksOptions)
    await expect(
      bad({ endpoints: [{ id: 'x', url: receiver.url, secret: 'plain' }] }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'endpoints[0].secret' },
    })
    await expect(
      bad({ endpoints: [{ id: 'x', url: 'ftp://example.com', secret }] }),
    ).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'endpoints[0].url' } })
    await expect(
      bad({ endpoints: [{ id: 'x', url: receiver.url, secret }], timeoutMs: 40_000 }),
    ).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'leaseMs' } })
    await expect(
      bad({ endpoints: [{ id: 'x', url: receiver.url, secret }], retries: 3 }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
  })
})
