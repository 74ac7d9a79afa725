import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RestFixture, restFixture } from './helpers/rest.js'

let t: RestFixture
let ids: { msg: string; file: string; thread: string; request: string }
beforeEach(async () => {
  t = await restFixture()
  const file = await t.ph.files.upload({
    owner: 'bob',
    name: 'f',
    mimeType: 'text/plain',
    data: new Uint8Array([1]),
  })
  const msg = await t.ph.messages.send({
    from: 'bob',
    to: ['alice'],
    content: { text: 'x' },
    attachments: [file.id],
  })
  const thread = await t.ph.threads.create({
    subject: 's',
    participants: ['alice', 'bob'],
    createdBy: 'bob',
  })
  const request = await t.ph.requests.create({
    owner: 'bob',
    peer: 'alice',
    content: { items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true }] },
  })
  ids = { msg: msg.id, file: file.id, thread: thread.id, request: request.id }
})
afterEach(() => t.close())

/** Everything a call could change, as the engine sees it. */
async function state() {
  const [boxes, messages, threads, requests, events, files] = await Promise.all([
    t.ph.boxes.counts('bob'),
    t.ph.messages.list({ owner: 'bob' }),
    t.ph.threads.list({ participant: 'bob' }),
    t.ph.requests.list({ owner: 'bob' }),
    t.ph.events.read({ after: 0, limit: 1000 }),
    t.ph.files.get({ owner: 'bob', id: ids.file }),
  ])
  return {
    boxes,
    messages,
    threads,
    requests,
    events: events.items.length,
    files,
    accounts: await t.ph.accounts.list(),
  }
}

describe('REST: authentication', () => {
  it('401 without a key, with a wrong one, with a revoked one', async () => {
    for (const key of [null, 'nope', `${t.admin}x`]) {
      const res = await t.call('GET', '/accounts/alice', { key })
      expect(res.status).toBe(401)
      expect(res.body).toMatchObject({ code: 'unauthenticated', status: 401 })
    }
    const res = await fetch(`${t.server.url}/accounts/alice`, {
      headers: { authorization: `Basic ${t.admin}` },
    })
    expect(res.status).toBe(401)
    const [key] = await t.ph.admin.apiKeys
      .list()
      .then((all) => all.filter((k) => k.account === 'alice'))
    await t.ph.admin.apiKeys.revoke(key!.id)
    expect((await t.call('GET', '/accounts/alice', { key: t.alice })).status).toBe(401)
  })

  it('static keys from the options work, admin and bound', async () => {
    const { serveRest } = await import('../src/index.js')
    const server = await serveRest(t.ph, {
      port: 0,
      keys: [{ key: 'k'.repeat(40) }, { key: 'b'.repeat(40), account: 'Bob' }],
    })
    try {
      const get = (key: string, path: string) =>
        fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } })
      expect((await get('k'.repeat(40), '/accounts/alice')).status).toBe(200)
      expect((await get('b'.repeat(40), '/accounts/bob')).status).toBe(200)
      expect((await get('b'.repeat(40), '/accounts/alice')).status).toBe(403)
      expect((await get('c'.repeat(40), '/accounts/alice')).status).toBe(401)
    } finally {
      await server.close()
    }
  })

  // Every route that takes an owner (or a from / createdBy), called with bob's data by alice's key.
  const routes: [string, string, () => unknown][] = [
    ['GET', '/accounts/bob', () => undefined],
    ['PATCH', '/accounts/bob', () => ({ displayName: 'B' })],
    ['POST', '/accounts', () => ({ address: 'eve' })],
    ['GET', '/accounts', () => undefined],
    ['DELETE', '/accounts/bob', () => undefined],
    ['POST', '/messages', () => ({ from: 'bob', to: ['alice'], content: { text: 'x' } })],
    ['POST', '/messages', () => ({ from: null, to: ['alice'], content: { text: 'x' } })],
    [
      'POST',
      '/messages/batch',
      () => ({ items: [{ identifier: 'a', from: 'bob', to: ['alice'], content: {} }] }),
    ],
    ['GET', '/accounts/bob/messages', () => undefined],
    ['GET', '/accounts/bob/message-pages', () => undefined],
    ['POST', '/accounts/bob/messages/read', () => ({ box: 'sent' })],
    ['POST', '/accounts/bob/messages/unread', () => ({ box: 'sent' })],
    ['POST', '/accounts/bob/messages/move', () => ({ ids: [ids.msg], to: 'archive' })],
    ['POST', '/accounts/bob/messages/delete', () => ({ ids: [ids.msg] })],
    ['GET', '/accounts/bob/messages/{msg}', () => undefined],
    ['GET', '/accounts/bob/messages/{msg}/item', () => undefined],
    ['DELETE', '/accounts/bob/messages/{msg}', () => undefined],
    [
      'PATCH',
      '/accounts/bob/messages/{msg}',
      () => ({ content: { text: 'y' }, expectedVersion: 1 }),
    ],
    ['POST', '/accounts/bob/messages/{msg}/retract', () => undefined],
    ['GET', '/accounts/bob/messages/{msg}/receipts', () => undefined],
    ['GET', '/accounts/bob/messages/{msg}/attachments/{file}', () => undefined],
    ['GET', '/accounts/bob/boxes', () => undefined],
    ['GET', '/accounts/bob/boxes/counts', () => undefined],
    [
      'POST',
      '/threads',
      () => ({ subject: 's', participants: ['alice', 'bob'], createdBy: 'bob' }),
    ],
    ['GET', '/accounts/bob/threads', () => undefined],
    ['GET', '/accounts/bob/threads/{thread}', () => undefined],
    ['POST', '/accounts/bob/threads/{thread}/close', () => undefined],
    ['POST', '/accounts/bob/consent/alice/grant', () => undefined],
    ['POST', '/accounts/bob/consent/alice/revoke', () => undefined],
    ['GET', '/accounts/bob/consent/check?recipient=alice', () => undefined],
    ['GET', '/accounts/bob/consent/feed', () => undefined],
    ['GET', '/accounts/bob/consent', () => undefined],
    ['GET', '/verify', () => undefined],
    [
      'POST',
      '/accounts/bob/requests/validate',
      () => ({
        peer: 'alice',
        content: { items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true }] },
      }),
    ],
    [
      'POST',
      '/accounts/bob/requests',
      () => ({
        peer: 'alice',
        content: { items: [{ '@type': 'AuthenticationRequestItem', mustBeAccepted: true }] },
      }),
    ],
    ['GET', '/accounts/bob/requests', () => undefined],
    ['GET', '/accounts/bob/requests/{request}', () => undefined],
    ['POST', '/accounts/bob/requests/{request}/can-accept', () => ({ items: [{ accept: true }] })],
    ['POST', '/accounts/bob/requests/{request}/accept', () => ({ items: [{ accept: true }] })],
    ['POST', '/accounts/bob/requests/{request}/can-reject', () => ({})],
    ['POST', '/accounts/bob/requests/{request}/reject', () => ({})],
    ['POST', '/accounts/bob/files?name=x', () => undefined],
    ['GET', '/accounts/bob/files/{file}', () => undefined],
    ['GET', '/accounts/bob/files/{file}/content', () => undefined],
    ['DELETE', '/accounts/bob/files/{file}', () => undefined],
  ]

  it.each(routes)(
    'a key bound to alice: %s %s is 403 and changes nothing',
    async (method, template, body) => {
      const path = template
        .replace('{msg}', ids.msg)
        .replace('{file}', ids.file)
        .replace('{thread}', ids.thread)
        .replace('{request}', ids.request)
      const before = await state()
      const b = body()
      const res = await t.call(method, path, {
        key: t.alice,
        ...(b === undefined ? {} : { body: b }),
      })
      expect(res.status).toBe(403)
      expect(res.body.code).toBe('forbidden')
      expect(await state()).toEqual(before)
    },
  )

  it('the table covers every documented route that names an owner', async () => {
    const doc = await t.call('GET', '/openapi.json', { key: null })
    const documented = Object.entries(doc.body.paths as Record<string, object>).flatMap(
      ([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    const covered = new Set(
      routes.map(
        ([m, p]) =>
          `${m} ${p
            .split('?')[0]!
            .replace('/bob', '/{owner}')
            .replace('{msg}', '{id}')
            .replace('{file}', p.includes('attachments') ? '{fileId}' : '{id}')
            .replace('{thread}', '{id}')
            .replace('{request}', '{id}')
            .replace('/alice/', '/{sender}/')}`,
      ),
    )
    const missing = documented.filter((r) => !r.includes(' /events') && !covered.has(r))
    expect(missing).toEqual([])
  })
})
