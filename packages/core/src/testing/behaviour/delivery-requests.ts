import { describe, expect, it } from 'vitest'
import type { Delivery, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { item } from '../requests/fixtures.js'
import { useEngine } from './harness.js'
import { eventsAfter, expectError, register } from './helpers.js'
import { inbox, openPeer, type Peer, twoPeers } from './two-peers.js'

/** alice@a asks bob@b: the Draft on a, sent; bob's side on b once the network settled. */
async function ask(
  a: Peer,
  b: Peer,
  net: { settle(): Promise<void> },
  items: object[],
  more: { expiresAt?: number } = {},
) {
  if (!(await a.ph.accounts.get('alice'))) await register(a.ph, 'alice')
  if (!(await b.ph.accounts.get('bob'))) await register(b.ph, 'bob')
  const draft = await a.ph.requests.create({
    owner: 'alice',
    peer: 'bob@b',
    content: { items, ...more } as never,
  })
  const sent = await a.ph.messages.send({
    from: 'alice',
    to: ['bob@b'],
    content: draft.content as never,
  })
  await net.settle()
  return { draft, sent }
}

/** A Response message as a peer's engine would deliver it, hand-made. */
function responseDelivery(
  id: string,
  from: string,
  content: object,
  createdAt: number,
  messageId = `msg_hand_${id}`,
): Delivery {
  return {
    kind: 'message',
    id: `dlv_${id}`,
    message: {
      id: messageId,
      from,
      to: ['alice@a'],
      for: ['alice'],
      content: content as never,
      attachments: [],
      threadId: null,
      createdAt,
    },
  }
}

async function get(ph: Pigeonhole, owner: string, id: string) {
  return ph.requests.get({ owner, id })
}

export function describeDeliveryRequests(options: ConformanceOptions): void {
  describe('delivery between engines: Requests', () => {
    // No expiry sweep timer: expiry happens on reads (and the clocks are the tests').
    const t = useEngine(options, { requests: { sweepIntervalMs: 0 } })

    it('alice@a asks bob@b: incoming on b, accepted on b, the Response back; both Completed with the same Response', async () => {
      const { net, a, b } = await twoPeers(t)
      const before = b.ph.events.lastCursor
      const { draft, sent } = await ask(a, b, net, [item.consent(), item.freeText()])
      expect(await get(a.ph, 'alice', draft.id)).toMatchObject({
        direction: 'outgoing',
        peer: 'bob@b',
        status: 'Open',
        sourceMessageId: sent.id,
      })
      const incoming = await get(b.ph, 'bob', draft.id)
      expect(incoming).toMatchObject({
        direction: 'incoming',
        peer: 'alice@a',
        status: 'ManualDecisionRequired',
        sourceMessageId: sent.id,
        content: draft.content,
        response: null,
      })
      expect(
        (await eventsAfter(b.ph, before))
          .filter((e) => e.type === 'request.incomingReceived')
          .map((e) => [e.owner, e.data.requestId, e.data.peer]),
      ).toEqual([['bob', draft.id, 'alice@a']])
      const decidedAt = b.clock.tick(10)
      const accepted = await b.ph.requests.accept({
        owner: 'bob',
        id: draft.id,
        items: [{ accept: true }, { accept: true, freeText: 'Robert' }],
      })
      expect(accepted.status).toBe('Completed')
      await net.settle()
      const asker = await get(a.ph, 'alice', draft.id)
      const asked = await get(b.ph, 'bob', draft.id)
      expect(asker?.status).toBe('Completed')
      expect(asked?.status).toBe('Completed')
      expect(asker!.response).toEqual(asked!.response)
      expect(asker!.response).toMatchObject({ createdAt: decidedAt })
      expect(asker!.response!.content).toMatchObject({
        '@type': 'Response',
        requestId: draft.id,
        result: 'Accepted',
      })
      // The Response is a message on both engines, with one id.
      const [got] = await inbox(a.ph, 'alice')
      expect(got!.message.id).toBe(asker!.response!.messageId)
      expect(got!.message.from).toBe('bob@b')
      expect(asker!.history.map((h) => `${h.from}→${h.to}`)).toEqual([
        'null→Draft',
        'Draft→Open',
        'Open→Completed',
      ])
      // Receipts: the Request and the Response were delivered.
      expect((await a.ph.messages.receipts({ owner: 'alice', id: sent.id }))[0]!.status).toBe(
        'delivered',
      )
      expect(
        (await b.ph.messages.receipts({ owner: 'bob', id: asker!.response!.messageId }))[0]!.status,
      ).toBe('delivered')
      // The accepted ConsentRequestItem let alice@a write to bob on b.
      expect(await b.ph.consent.check({ sender: 'alice@a', recipient: 'bob' })).toMatchObject({
        allowed: true,
      })
    })

    it('rejected on b: both Completed with the same Rejected Response', async () => {
      const { net, a, b } = await twoPeers(t)
      const { draft } = await ask(a, b, net, [item.auth(), item.freeText()])
      await b.ph.requests.reject({ owner: 'bob', id: draft.id })
      await net.settle()
      const asker = await get(a.ph, 'alice', draft.id)
      const asked = await get(b.ph, 'bob', draft.id)
      expect([asker?.status, asked?.status]).toEqual(['Completed', 'Completed'])
      expect(asker!.response).toEqual(asked!.response)
      expect(asker!.response!.content.result).toBe('Rejected')
      // Decided once: a second decision on b is refused, nothing more travels.
      await expectError(
        b.ph.requests.accept({
          owner: 'bob',
          id: draft.id,
          items: [{ accept: true }, { accept: false }],
        }),
        'invalid_transition',
      )
    })

    it('a Response for a Completed request, or from the wrong peer, is refused and reported', async () => {
      const { net, a, b } = await twoPeers(t)
      const { draft } = await ask(a, b, net, [item.auth()])
      await b.ph.requests.accept({ owner: 'bob', id: draft.id, items: [{ accept: true }] })
      await net.settle()
      const done = await get(a.ph, 'alice', draft.id)
      expect(done?.status).toBe('Completed')
      const response = done!.response!.content
      // Another Response from bob@b for the Completed request.
      const before = a.ph.events.lastCursor
      const again = await b.transport.deliver('a', [
        responseDelivery('again', 'bob@b', response, b.clock.now()),
      ])
      expect(again).toEqual([
        expect.objectContaining({ id: 'dlv_again', status: 'refused', code: 'invalid_transition' }),
      ])
      // An open request, answered by someone else: carol@b is not its peer; mallory on peer c
      // is not either, and cannot even speak for bob@b.
      const { draft: open } = await ask(a, b, net, [item.auth()])
      const forged = { ...response, requestId: open.id }
      await register(b.ph, 'carol')
      const wrong = await b.transport.deliver('a', [
        responseDelivery('carol', 'carol@b', forged, b.clock.now()),
      ])
      expect(wrong).toEqual([
        expect.objectContaining({ status: 'refused', code: 'request_peer_mismatch' }),
      ])
      const c = await openPeer(t, net, 'c', {})
      const spoofed = await c.transport.deliver('a', [
        responseDelivery('spoof', 'bob@b', forged, c.clock.now()),
        responseDelivery('mallory', 'mallory@c', forged, c.clock.now()),
      ])
      expect(spoofed).toEqual([
        expect.objectContaining({ id: 'dlv_spoof', status: 'refused', code: 'forbidden' }),
        expect.objectContaining({
          id: 'dlv_mallory',
          status: 'refused',
          code: 'request_peer_mismatch',
        }),
      ])
      const refused = (await eventsAfter(a.ph, before)).filter((e) => e.type === 'delivery.refused')
      expect(refused.map((e) => [e.owner, e.messageId, e.data.from, e.data.code])).toEqual([
        ['alice', 'msg_hand_again', 'bob@b', 'invalid_transition'],
        ['alice', 'msg_hand_carol', 'carol@b', 'request_peer_mismatch'],
        ['alice', 'msg_hand_mallory', 'mallory@c', 'request_peer_mismatch'],
      ])
      // Nothing of them was stored; both requests are as they were.
      for (const id of ['msg_hand_again', 'msg_hand_carol', 'msg_hand_spoof', 'msg_hand_mallory']) {
        expect(await a.ph.admin.getMessage(id)).toBeNull()
      }
      expect(await get(a.ph, 'alice', draft.id)).toEqual(done)
      expect((await get(a.ph, 'alice', open.id))?.status).toBe('Open')
      // bob's own answer still completes it.
      await b.ph.requests.reject({ owner: 'bob', id: open.id })
      await net.settle()
      expect((await get(a.ph, 'alice', open.id))?.status).toBe('Completed')
    })

    it('expiry across engines: Expired on a, still completed by a Response bob made on b before expiresAt', async () => {
      const { net, a, b } = await twoPeers(t)
      const expiresAt = a.clock.now() + 1000
      const { draft } = await ask(a, b, net, [item.auth()], { expiresAt })
      // a's clock passes expiresAt: alice's side is Expired there.
      a.clock.tick(1001)
      expect((await get(a.ph, 'alice', draft.id))?.status).toBe('Expired')
      // b's clock is still before expiresAt: bob may answer, and his Response says so.
      const at = b.clock.tick(500)
      await b.ph.requests.accept({ owner: 'bob', id: draft.id, items: [{ accept: true }] })
      await net.settle()
      const asker = await get(a.ph, 'alice', draft.id)
      expect(asker?.status).toBe('Completed')
      expect(asker?.response?.createdAt).toBe(at)
      expect(asker!.history.map((h) => `${h.from}→${h.to}`)).toEqual([
        'null→Draft',
        'Draft→Open',
        'Open→Expired',
        'Expired→Completed',
      ])
      expect((await get(b.ph, 'bob', draft.id))?.response).toEqual(asker!.response)
      // Past expiresAt on b too: bob can no longer decide, and a's side stays Expired.
      const lateAt = a.clock.now() + 100
      const late = await ask(a, b, net, [item.auth()], { expiresAt: lateAt })
      b.clock.tick(lateAt + 1 - b.clock.now())
      a.clock.tick(101)
      await expectError(
        b.ph.requests.accept({ owner: 'bob', id: late.draft.id, items: [{ accept: true }] }),
        'request_expired',
      )
      await net.settle()
      expect((await get(a.ph, 'alice', late.draft.id))?.status).toBe('Expired')
      expect((await get(b.ph, 'bob', late.draft.id))?.status).toBe('Expired')
    })
  })
}
