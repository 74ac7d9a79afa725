import { describe, expect, it } from 'vitest'
import {
  type Delivery,
  type DeliveryAck,
  memoryNetwork,
  type Pigeonhole,
  type Transport,
  TransportError,
} from '../../index.js'
import type { IdGenerator } from '../../types.js'
import type { ConformanceOptions } from '../options.js'
import { type Engine, type Harness, useEngine } from './harness.js'
import { eventsAfter, expectError, register } from './helpers.js'
import { PassThroughTransport } from './two-peers.js'

/** Ids with the peer in them: two engines never hand out the same message id. */
class PeerIds implements IdGenerator {
  #n = 0
  readonly #peer: string
  constructor(peer: string) {
    this.#peer = peer
  }
  next(kind: string): string {
    this.#n += 1
    return `${kind}_${this.#peer}${String(this.#n).padStart(8, '0')}`
  }
}

/**
 * A transport around another: throws `failures` retryable TransportErrors (with `retryAfterMs`)
 * before it lets batches through, and delivers each batch `copies` times (the peer sees a
 * duplicate; the sender gets the last answer). Counts the batches it was asked to send.
 */
class FlakyTransport extends PassThroughTransport {
  failures: number
  retryAfterMs: number | undefined
  readonly calls: number[] = []
  readonly clock: { now(): number }

  constructor(inner: Transport, clock: { now(): number }, failures = 0, retryAfterMs?: number) {
    super(inner)
    this.clock = clock
    this.failures = failures
    this.retryAfterMs = retryAfterMs
  }
  override async deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]> {
    this.calls.push(this.clock.now())
    if (this.failures > 0) {
      this.failures--
      throw new TransportError('503 Service Unavailable', {
        retryable: true,
        status: 503,
        ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      })
    }
    return super.deliver(peer, batch)
  }
}

type Overrides = NonNullable<Parameters<Harness['open']>[0]>

/** Two engines, `a` and `b`, on fresh stores on one memory network; `wrap` wraps a's transport. */
async function twoPeers(
  t: Harness,
  wrap: (transport: Transport, clock: { now(): number }) => Transport = (x) => x,
  more: Overrides = {},
) {
  const net = memoryNetwork()
  const a = await openWith(t, 'a', net, wrap, more)
  const b = await openWith(t, 'b', net, (x) => x, more)
  return { net, a, b }
}

/** An engine on `peer` of `net`; retries are immediate unless `more.delivery` says otherwise. */
async function openWith(
  t: Harness,
  peer: string,
  net: ReturnType<typeof memoryNetwork>,
  wrap: (transport: Transport, clock: { now(): number }) => Transport,
  more: Overrides,
): Promise<Engine & { transport: Transport }> {
  let clockNow = () => 0
  const transport = wrap(net.transport(peer), { now: () => clockNow() })
  const e = await t.open({
    ...more,
    transport,
    ids: new PeerIds(peer),
    delivery: { baseDelayMs: 0, ...more.delivery },
  })
  clockNow = () => e.clock.now()
  return { ...e, transport }
}

async function inbox(ph: Pigeonhole, owner: string, box = 'inbox') {
  return (await ph.messages.list({ owner, box, order: 'oldest', limit: 1000 })).items
}

export function describeDelivery(options: ConformanceOptions): void {
  describe('delivery between engines', () => {
    const t = useEngine(options)

    it('a message from alice@a reaches bob@b once, with the same id; receipts go pending → delivered → read', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const sent = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b'],
        content: { text: 'hi' },
      })
      expect(sent.to).toEqual(['bob@b'])
      expect(await a.ph.messages.receipts({ owner: 'alice', id: sent.id })).toEqual([
        { recipient: 'bob@b', deliveredAt: null, readAt: null, status: 'pending' },
      ])
      // The sender's own box has it at once.
      expect((await inbox(a.ph, 'alice', 'sent')).map((i) => i.message.id)).toEqual([sent.id])
      await net.settle()
      const got = await inbox(b.ph, 'bob')
      expect(got.map((i) => i.message.id)).toEqual([sent.id])
      expect(got[0]!.message).toMatchObject({
        id: sent.id,
        from: 'alice@a',
        to: ['bob'],
        content: { text: 'hi' },
        createdAt: sent.createdAt,
      })
      const delivered = await a.ph.messages.receipts({ owner: 'alice', id: sent.id })
      expect(delivered).toEqual([
        { recipient: 'bob@b', deliveredAt: b.clock.now(), readAt: null, status: 'delivered' },
      ])
      const readAt = b.clock.tick(5)
      await b.ph.messages.markRead({ owner: 'bob', ids: [sent.id] })
      await net.settle()
      expect(await a.ph.messages.receipts({ owner: 'alice', id: sent.id })).toEqual([
        { recipient: 'bob@b', deliveredAt: delivered[0]!.deliveredAt, readAt, status: 'read' },
      ])
      // Read again later: nothing new goes back, nothing changes.
      await b.ph.messages.markUnread({ owner: 'bob', ids: [sent.id] })
      b.clock.tick(5)
      await b.ph.messages.markRead({ owner: 'bob', ids: [sent.id] })
      await net.settle()
      expect((await a.ph.messages.receipts({ owner: 'alice', id: sent.id }))[0]!.readAt).toBe(
        readAt,
      )
      // The same message to local and remote recipients: the local one has it at once.
      await register(a.ph, 'carol')
      const both = await a.ph.messages.send({
        from: 'alice',
        to: ['carol', 'bob@b'],
        content: { n: 2 },
      })
      expect((await inbox(a.ph, 'carol')).map((i) => i.message.id)).toEqual([both.id])
      await net.settle()
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([sent.id, both.id])
      expect((await inbox(b.ph, 'bob'))[1]!.message.to).toEqual(['carol@a', 'bob'])
    })

    it('a remote recipient that does not exist: the receipt fails with recipient_not_found and delivery.failed is emitted', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const before = a.ph.events.lastCursor
      const beforeB = b.ph.events.lastCursor
      const m = await a.ph.messages.send({ from: 'alice', to: ['ghost@b'], content: {} })
      await net.settle()
      const [receipt] = await a.ph.messages.receipts({ owner: 'alice', id: m.id })
      expect(receipt).toMatchObject({
        recipient: 'ghost@b',
        deliveredAt: null,
        status: 'failed',
        code: 'recipient_not_found',
      })
      const failed = (await eventsAfter(a.ph, before)).filter((e) => e.type === 'delivery.failed')
      expect(failed).toHaveLength(1)
      expect(failed[0]).toMatchObject({
        owner: 'alice',
        messageId: m.id,
        data: { recipient: 'ghost@b', peer: 'b', code: 'recipient_not_found' },
      })
      const refused = (await eventsAfter(b.ph, beforeB)).filter(
        (e) => e.type === 'delivery.refused',
      )
      expect(refused).toHaveLength(1)
      expect(refused[0]).toMatchObject({
        owner: null,
        messageId: m.id,
        data: { from: 'alice@a', recipient: 'ghost', code: 'recipient_not_found' },
      })
      expect(await b.ph.admin.getMessage(m.id)).toBeNull()
      // One of two recipients missing: the other gets it, the missing one fails.
      const two = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b', 'nobody@b'],
        content: {},
      })
      await net.settle()
      expect(
        (await a.ph.messages.receipts({ owner: 'alice', id: two.id })).map((r) => [
          r.recipient,
          r.status,
          r.code,
        ]),
      ).toEqual([
        ['bob@b', 'delivered', undefined],
        ['nobody@b', 'failed', 'recipient_not_found'],
      ])
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([two.id])
    })

    it('consent is the receiver’s: refused across engines, the receipt fails with consent_required', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'alice')
      await b.ph.accounts.register({ address: 'bob', consent: 'opt-in' })
      await b.ph.accounts.register({ address: 'carol', consent: 'requests' })
      const m = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
      await net.settle()
      expect(await a.ph.messages.receipts({ owner: 'alice', id: m.id })).toEqual([
        expect.objectContaining({ status: 'failed', code: 'consent_required' }),
      ])
      expect(await inbox(b.ph, 'bob')).toEqual([])
      // Granted: the next one arrives; an unknown sender of carol waits in her requests box.
      await b.ph.consent.grant({ owner: 'bob', sender: 'alice@a' })
      const next = await a.ph.messages.send({
        from: 'alice',
        to: ['bob@b', 'carol@b'],
        content: {},
      })
      await net.settle()
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([next.id])
      expect((await inbox(b.ph, 'carol', 'requests')).map((i) => i.message.id)).toEqual([next.id])
    })

    it('keeps the order per sender and recipient: 50 messages arrive in the order sent', async () => {
      const { net, a, b } = await twoPeers(t, (x) => x, { delivery: { batchSize: 7 } })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const ids: string[] = []
      for (let i = 0; i < 50; i++) {
        a.clock.tick()
        const m = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: { i } })
        ids.push(m.id)
      }
      await net.settle()
      const got = await inbox(b.ph, 'bob')
      expect(got.map((x) => x.message.id)).toEqual(ids)
      // Stored in arrival order: the receiver's entries were created in the order sent.
      expect(got.map((x) => x.message.content.i)).toEqual(ids.map((_, i) => i))
    })

    it('retries after a transport error, honouring Retry-After with the injected clock', async () => {
      let flaky: FlakyTransport | undefined
      const { net, a, b } = await twoPeers(t, (inner, clock) => {
        flaky = new FlakyTransport(inner, clock, 3, 2000)
        return flaky
      })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const m = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
      const start = a.clock.now()
      // Each failure asks for 2 s: nothing is sent again before the clock says so.
      for (let failure = 1; failure <= 3; failure++) {
        await waitFor(() => flaky!.calls.length === failure)
        await pause(30)
        expect(flaky!.calls).toHaveLength(failure)
        a.clock.tick(1999)
        await expect(net.settle({ timeoutMs: 50 })).rejects.toThrow(/still busy/)
        expect(flaky!.calls).toHaveLength(failure)
        a.clock.tick(1)
      }
      await net.settle()
      expect(flaky!.calls).toEqual([start, start + 2000, start + 4000, start + 6000])
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([m.id])
      expect((await a.ph.messages.receipts({ owner: 'alice', id: m.id }))[0]!.status).toBe(
        'delivered',
      )
    })

    it('while a queue head backs off, the rows behind it do not wake the worker in a loop', async () => {
      let flaky: FlakyTransport | undefined
      const { net, a, b } = await twoPeers(
        t,
        (inner, clock) => {
          flaky = new FlakyTransport(inner, clock, 1, 2000)
          return flaky
        },
        { delivery: { batchSize: 1 } },
      )
      await register(a.ph, 'alice')
      await register(b.ph, 'bob')
      const first = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: { n: 1 } })
      const second = await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: { n: 2 } })
      await waitFor(() => flaky!.calls.length === 1)
      await pause(50)
      // The head waits 2 s (Retry-After) and the row behind it is due but waits for it: every
      // pass of the worker reads the clock, so a worker woken in a loop reads it hundreds of
      // times while nothing can go.
      const now = a.clock.now.bind(a.clock)
      let reads = 0
      a.clock.now = () => {
        reads++
        return now()
      }
      await pause(300)
      expect(reads, 'clock reads while nothing is due').toBeLessThan(10)
      expect(flaky!.calls).toHaveLength(1)
      a.clock.tick(2000)
      await net.settle()
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([first.id, second.id])
    })

    it('a batch delivered twice is stored once', async () => {
      let flaky: FlakyTransport | undefined
      const { net, a, b } = await twoPeers(t, (inner, clock) => {
        flaky = new FlakyTransport(inner, clock)
        flaky.copies = 2
        return flaky
      })
      await register(a.ph, 'alice')
      await register(b.ph, 'bob', 'carol')
      const m = await a.ph.messages.send({ from: 'alice', to: ['bob@b', 'carol@b'], content: {} })
      await net.settle()
      expect((await inbox(b.ph, 'bob')).map((i) => i.message.id)).toEqual([m.id])
      expect((await inbox(b.ph, 'carol')).map((i) => i.message.id)).toEqual([m.id])
      expect((await b.ph.boxes.counts('bob')).inbox).toMatchObject({ total: 1, unread: 1 })
    })

    it('a Request created on a, sent to bob@b, accepted on b: Completed on both sides', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'shop')
      await register(b.ph, 'bob')
      const items = [
        { '@type': 'ConsentRequestItem', mustBeAccepted: true, consent: 'I accept the terms' },
        { '@type': 'FreeTextRequestItem', mustBeAccepted: false, title: 'Where from?' },
      ]
      const draft = await a.ph.requests.create({ owner: 'shop', peer: 'bob@b', content: { items } })
      await a.ph.messages.send({ from: 'shop', to: ['bob@b'], content: draft.content })
      await net.settle()
      const incoming = await b.ph.requests.get({ owner: 'bob', id: draft.id })
      expect(incoming).toMatchObject({
        direction: 'incoming',
        peer: 'shop@a',
        status: 'ManualDecisionRequired',
      })
      await b.ph.requests.accept({
        owner: 'bob',
        id: draft.id,
        items: [{ accept: true }, { accept: true, freeText: 'a friend' }],
      })
      await net.settle()
      const asker = await a.ph.requests.get({ owner: 'shop', id: draft.id })
      const asked = await b.ph.requests.get({ owner: 'bob', id: draft.id })
      expect(asker?.status).toBe('Completed')
      expect(asked?.status).toBe('Completed')
      expect(asker?.response?.content).toEqual(asked?.response?.content)
      expect(asker?.response?.content.result).toBe('Accepted')
      // Accepting the ConsentRequestItem granted the shop on b.
      expect(await b.ph.consent.check({ sender: 'shop@a', recipient: 'bob' })).toMatchObject({
        allowed: true,
      })
    })

    it('a Request rejected on b: Completed on both sides with a Rejected Response; a second Response is refused and reported', async () => {
      const { net, a, b } = await twoPeers(t)
      await register(a.ph, 'shop')
      await register(b.ph, 'bob')
      const items = [
        { '@type': 'AuthenticationRequestItem', mustBeAccepted: true, title: 'Log in' },
      ]
      const draft = await a.ph.requests.create({ owner: 'shop', peer: 'bob@b', content: { items } })
      await a.ph.messages.send({ from: 'shop', to: ['bob@b'], content: draft.content })
      await net.settle()
      await b.ph.requests.reject({ owner: 'bob', id: draft.id })
      await net.settle()
      const asker = await a.ph.requests.get({ owner: 'shop', id: draft.id })
      expect(asker?.status).toBe('Completed')
      expect(asker?.response?.content.result).toBe('Rejected')
      expect((await b.ph.requests.get({ owner: 'bob', id: draft.id }))?.status).toBe('Completed')
      // A second Response, straight through the transport as a peer would send it: refused.
      const before = a.ph.events.lastCursor
      const response = { ...asker!.response!.content }
      const acks = await b.transport.deliver('a', [
        {
          kind: 'message',
          id: 'dlv_again',
          message: {
            id: 'msg_second_response',
            from: 'bob@b',
            to: ['shop@a'],
            for: ['shop'],
            content: response as never,
            attachments: [],
            threadId: null,
            createdAt: b.clock.now(),
          },
        },
      ])
      expect(acks).toEqual([
        expect.objectContaining({ id: 'dlv_again', status: 'refused', code: 'invalid_transition' }),
      ])
      const refused = (await eventsAfter(a.ph, before)).filter((e) => e.type === 'delivery.refused')
      expect(refused).toEqual([
        expect.objectContaining({
          owner: 'shop',
          messageId: 'msg_second_response',
          data: expect.objectContaining({ from: 'bob@b', code: 'invalid_transition' }),
        }),
      ])
      expect(await a.ph.admin.getMessage('msg_second_response')).toBeNull()
    })

    it('without a transport a remote recipient is recipient_not_found; with one, the per-recipient cap is queue_full', async () => {
      await register(t.ph, 'alice')
      await expectError(
        t.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} }),
        'recipient_not_found',
        { field: 'to' },
      )
      const net = memoryNetwork()
      const a = await t.open({
        transport: net.transport('a'),
        ids: new PeerIds('a'),
        delivery: { maxPendingPerRecipient: 2 },
      })
      await register(a.ph, 'alice')
      // No engine on b: the messages wait.
      await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
      await a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} })
      const e = await expectError(
        a.ph.messages.send({ from: 'alice', to: ['bob@b'], content: {} }),
        'queue_full',
        { field: 'to', message: /"bob@b" already has 2 messages waiting/ },
      )
      expect(e.details).toMatchObject({ recipients: ['bob@b'], max: 2 })
      // Another recipient is not held back; a system message cannot go out.
      await a.ph.messages.send({ from: 'alice', to: ['carol@b'], content: {} })
      await expectError(
        a.ph.messages.send({ from: null, to: ['carol@b'], content: {} }),
        'invalid_input',
        { field: 'to' },
      )
    })

    it('peerId comes from the transport, and must match it when given too', async () => {
      const net = memoryNetwork()
      const a = await t.open({ transport: net.transport('a'), ids: new PeerIds('a') })
      await register(a.ph, 'alice')
      expect((await a.ph.messages.send({ from: 'alice@a', to: ['alice'], content: {} })).from).toBe(
        'alice',
      )
      await expectError(t.open({ transport: net.transport('x'), peerId: 'y' }), 'invalid_input', {
        field: 'peerId',
        message: /expected the transport's peer id "x", got "y"/,
      })
    })
  })
}

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) throw new Error('waitFor: timed out')
    await pause(2)
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
