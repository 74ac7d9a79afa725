import type { Pigeonhole, PigeonholeEvent } from '@pigeonhole/core'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { HttpPeers } from './helpers/engines.js'

// Two engines, each on SQLite (a file) with its own httpTransport on 127.0.0.1 and a free port,
// finding each other through `peers(id)`: the issue 13 flows over real HTTP, no mocks.

let net: HttpPeers

beforeEach(() => {
  net = new HttpPeers()
})
afterEach(async () => {
  await net.close()
})

async function inbox(ph: Pigeonhole, owner: string, box = 'inbox') {
  return (await ph.messages.list({ owner, box, order: 'oldest', limit: 1000 })).items
}

/** Every event `ph` emits from now on. */
function record(ph: Pigeonhole): PigeonholeEvent[] {
  const events: PigeonholeEvent[] = []
  const s = ph.events$.subscribe((e) => events.push(e))
  afterEach(() => s.unsubscribe())
  return events
}

async function twoEngines() {
  const a = await net.open('a')
  const b = await net.open('b')
  return { a: a.ph, b: b.ph }
}

test('alice@a → bob@b arrives once with the same id; receipts pending → delivered → read come back', async () => {
  const { a, b } = await twoEngines()
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  const sent = await a.messages.send({ from: 'alice', to: ['bob@b'], content: { text: 'hi' } })
  expect(await a.messages.receipts({ owner: 'alice', id: sent.id })).toEqual([
    { recipient: 'bob@b', deliveredAt: null, readAt: null, status: 'pending' },
  ])
  await net.settle()
  const got = await inbox(b, 'bob')
  expect(got.map((i) => i.message.id)).toEqual([sent.id])
  expect(got[0]!.message).toMatchObject({
    id: sent.id,
    from: 'alice@a',
    to: ['bob'],
    content: { text: 'hi' },
    createdAt: sent.createdAt,
  })
  const [delivered] = await a.messages.receipts({ owner: 'alice', id: sent.id })
  expect(delivered).toMatchObject({ recipient: 'bob@b', readAt: null, status: 'delivered' })
  expect(delivered!.deliveredAt).toEqual(expect.any(Number))

  await b.messages.markRead({ owner: 'bob', ids: [sent.id] })
  await net.settle()
  const [read] = await a.messages.receipts({ owner: 'alice', id: sent.id })
  expect(read).toMatchObject({
    recipient: 'bob@b',
    deliveredAt: delivered!.deliveredAt,
    status: 'read',
  })
  expect(read!.readAt).toBeGreaterThanOrEqual(delivered!.deliveredAt!)

  // And back the other way: bob@b answers alice@a.
  const reply = await b.messages.send({ from: 'bob', to: ['alice@a'], content: { text: 'yo' } })
  await net.settle()
  expect((await inbox(a, 'alice')).map((i) => i.message.id)).toEqual([reply.id])
  expect((await b.messages.receipts({ owner: 'bob', id: reply.id }))[0]!.status).toBe('delivered')
  // Still once on b, nothing left anywhere, both stores consistent.
  expect((await inbox(b, 'bob')).map((i) => i.message.id)).toEqual([sent.id])
  expect(await a.verify()).toEqual([])
  expect(await b.verify()).toEqual([])
})

test('a remote recipient that does not exist: receipt failed (recipient_not_found) and delivery.failed on a', async () => {
  const { a, b } = await twoEngines()
  const eventsA = record(a)
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  const m = await a.messages.send({ from: 'alice', to: ['ghost@b', 'bob@b'], content: {} })
  await net.settle()
  expect(
    (await a.messages.receipts({ owner: 'alice', id: m.id })).map((r) => [
      r.recipient,
      r.status,
      r.code,
    ]),
  ).toEqual([
    ['bob@b', 'delivered', undefined],
    ['ghost@b', 'failed', 'recipient_not_found'],
  ])
  const failed = eventsA.filter((e) => e.type === 'delivery.failed')
  expect(failed).toEqual([
    expect.objectContaining({
      owner: 'alice',
      messageId: m.id,
      data: expect.objectContaining({
        recipient: 'ghost@b',
        peer: 'b',
        code: 'recipient_not_found',
      }),
    }),
  ])
  expect((await inbox(b, 'bob')).map((i) => i.message.id)).toEqual([m.id])

  // Alone: the whole delivery is refused by b, nothing stored there.
  const alone = await a.messages.send({ from: 'alice', to: ['nobody@b'], content: {} })
  await net.settle()
  expect(await a.messages.receipts({ owner: 'alice', id: alone.id })).toEqual([
    expect.objectContaining({
      recipient: 'nobody@b',
      status: 'failed',
      code: 'recipient_not_found',
    }),
  ])
  expect(await b.admin.getMessage(alone.id)).toBeNull()
  expect(eventsA.filter((e) => e.type === 'delivery.failed')).toHaveLength(2)
})

test('a Request created on a, sent to bob@b, accepted on b: Completed on both sides', async () => {
  const { a, b } = await twoEngines()
  await a.accounts.register({ address: 'shop' })
  await b.accounts.register({ address: 'bob' })
  const items = [
    { '@type': 'ConsentRequestItem', mustBeAccepted: true, consent: 'I accept the terms' },
    { '@type': 'FreeTextRequestItem', mustBeAccepted: false, title: 'Where from?' },
  ]
  const draft = await a.requests.create({ owner: 'shop', peer: 'bob@b', content: { items } })
  await a.messages.send({ from: 'shop', to: ['bob@b'], content: draft.content })
  expect((await a.requests.get({ owner: 'shop', id: draft.id }))?.status).toBe('Open')
  await net.settle()
  expect(await b.requests.get({ owner: 'bob', id: draft.id })).toMatchObject({
    direction: 'incoming',
    peer: 'shop@a',
    status: 'ManualDecisionRequired',
  })
  await b.requests.accept({
    owner: 'bob',
    id: draft.id,
    items: [{ accept: true }, { accept: true, freeText: 'a friend' }],
  })
  await net.settle()
  const asker = await a.requests.get({ owner: 'shop', id: draft.id })
  const asked = await b.requests.get({ owner: 'bob', id: draft.id })
  expect(asker?.status).toBe('Completed')
  expect(asked?.status).toBe('Completed')
  expect(asker?.response?.content.result).toBe('Accepted')
  expect(asker?.response?.content).toEqual(asked?.response?.content)
  // The consent item granted the shop on b; the Response is in shop's inbox on a.
  expect(await b.consent.check({ sender: 'shop@a', recipient: 'bob' })).toMatchObject({
    allowed: true,
  })
  expect((await inbox(a, 'shop')).map((i) => i.message.from)).toEqual(['bob@b'])
  expect(await a.verify()).toEqual([])
  expect(await b.verify()).toEqual([])
})

test('a Request rejected on b: Completed on both sides with a Rejected Response', async () => {
  const { a, b } = await twoEngines()
  await a.accounts.register({ address: 'shop' })
  await b.accounts.register({ address: 'bob' })
  const items = [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true, title: 'Log in' }]
  const draft = await a.requests.create({ owner: 'shop', peer: 'bob@b', content: { items } })
  await a.messages.send({ from: 'shop', to: ['bob@b'], content: draft.content })
  await net.settle()
  await b.requests.reject({ owner: 'bob', id: draft.id })
  await net.settle()
  const asker = await a.requests.get({ owner: 'shop', id: draft.id })
  expect(asker?.status).toBe('Completed')
  expect(asker?.response?.content.result).toBe('Rejected')
  expect((await b.requests.get({ owner: 'bob', id: draft.id }))?.status).toBe('Completed')
})

test('attachments travel with their message over HTTP: bob@b downloads the same bytes; carol@b may not', async () => {
  const { a, b } = await twoEngines()
  await a.accounts.register({ address: 'alice' })
  await b.accounts.register({ address: 'bob' })
  await b.accounts.register({ address: 'carol' })
  const photo = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) % 251)
  const f1 = await a.files.upload({
    owner: 'alice',
    name: 'photo.jpg',
    mimeType: 'image/jpeg',
    data: photo,
  })
  const f2 = await a.files.upload({
    owner: 'alice',
    name: 'note.txt',
    mimeType: 'text/plain',
    data: new TextEncoder().encode('see the photo'),
  })
  const m = await a.messages.send({
    from: 'alice',
    to: ['bob@b'],
    content: { text: 'two files' },
    attachments: [f1.id, f2.id],
  })
  await net.settle()
  const [got] = await inbox(b, 'bob')
  expect(got!.message).toMatchObject({ id: m.id, attachments: [f1.id, f2.id] })
  expect(await b.files.downloadBytes({ owner: 'bob', id: f1.id })).toEqual(photo)
  expect(new TextDecoder().decode(await b.files.downloadBytes({ owner: 'bob', id: f2.id }))).toBe(
    'see the photo',
  )
  await expect(b.files.downloadBytes({ owner: 'carol', id: f1.id })).rejects.toMatchObject({
    code: 'forbidden',
  })
  expect((await a.messages.receipts({ owner: 'alice', id: m.id }))[0]!.status).toBe('delivered')
  expect(await b.verify()).toEqual([])
})
