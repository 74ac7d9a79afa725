import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RestFixture, restFixture } from './helpers/rest.js'

let t: RestFixture
beforeEach(async () => {
  t = await restFixture()
})
afterEach(() => t.close())

const send = (body: Record<string, unknown>, key?: string, headers?: Record<string, string>) =>
  t.call('POST', '/messages', {
    body: { from: 'alice', to: ['bob'], content: { text: 'hi' }, ...body },
    ...(key && { key }),
    ...(headers && { headers }),
  })

describe('REST: accounts', () => {
  it('registers, gets, lists, updates, removes; problems for bad input, conflict, not found', async () => {
    const created = await t.call('POST', '/accounts', {
      body: { address: 'Carol', displayName: 'C' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ address: 'carol', displayName: 'C' })
    expect((await t.call('GET', '/accounts/carol')).body.address).toBe('carol')
    const list = await t.call('GET', '/accounts?limit=2')
    expect(list.body.items.map((a: { address: string }) => a.address)).toEqual(['alice', 'bob'])
    const next = await t.call(
      'GET',
      `/accounts?limit=2&cursor=${encodeURIComponent(list.body.nextCursor)}`,
    )
    expect(next.body.items.map((a: { address: string }) => a.address)).toEqual(['carol'])
    const updated = await t.call('PATCH', '/accounts/carol', { body: { consent: 'opt-in' } })
    expect(updated.body).toMatchObject({ consent: 'opt-in', version: 2 })

    const bad = await t.call('POST', '/accounts', { body: { address: 'x y' } })
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toBe('application/problem+json')
    expect(bad.body).toMatchObject({
      type: 'urn:pigeonhole:problem:invalid_input',
      title: 'Invalid input',
      status: 400,
      code: 'invalid_input',
      details: { field: 'address' },
    })
    expect(bad.body.detail).toMatch(/address/)
    expect(await t.ph.accounts.get('x y'.replace(' ', ''))).toBeNull()
    const dup = await t.call('POST', '/accounts', { body: { address: 'carol' } })
    expect(dup.status).toBe(409)
    expect(dup.body.code).toBe('already_exists')
    expect((await t.call('PATCH', '/accounts/carol', { body: { bogus: 1 } })).status).toBe(400)
    expect(
      (
        await t.call('PATCH', '/accounts/carol', {
          raw: 'not json',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400)

    expect((await t.call('DELETE', '/accounts/carol')).status).toBe(204)
    const gone = await t.call('GET', '/accounts/carol')
    expect(gone.status).toBe(404)
    expect(gone.body.code).toBe('not_found')
    expect((await t.call('GET', '/no/such/route')).body.code).toBe('route_not_found')
  })
})

describe('REST: messages', () => {
  it('sends, lists, pages, gets, marks, moves, edits, receipts, retracts, deletes', async () => {
    const sent = await send({})
    expect(sent.status).toBe(201)
    const id = sent.body.id as string
    const list = await t.call('GET', '/accounts/bob/messages?limit=1&unread=true&box=inbox', {
      key: t.bob,
    })
    expect(list.status).toBe(200)
    expect(list.body.items[0].message.id).toBe(id)
    const page = await t.call('GET', '/accounts/bob/message-pages?page=1&pageSize=10', {
      key: t.bob,
    })
    expect(page.body).toMatchObject({ total: 1, pageCount: 1 })
    expect((await t.call('GET', `/accounts/bob/messages/${id}`, { key: t.bob })).body.id).toBe(id)
    expect(
      (await t.call('GET', `/accounts/bob/messages/${id}/item?role=received`, { key: t.bob })).body
        .entry.box,
    ).toBe('inbox')
    expect(
      (await t.call('POST', '/accounts/bob/messages/read', { key: t.bob, body: { ids: [id] } }))
        .body,
    ).toEqual({ changed: 1 })
    expect(
      (
        await t.call('POST', '/accounts/bob/messages/unread', {
          key: t.bob,
          body: { box: 'inbox' },
        })
      ).body,
    ).toEqual({ changed: 1 })
    expect(
      (
        await t.call('POST', '/accounts/bob/messages/move', {
          key: t.bob,
          body: { ids: [id], to: 'archive' },
        })
      ).status,
    ).toBe(200)
    expect(
      (await t.call('GET', '/accounts/bob/boxes/counts', { key: t.bob })).body.archive,
    ).toEqual({ total: 1, unread: 1 })
    expect(
      (await t.call('GET', '/accounts/bob/boxes', { key: t.bob })).body.length,
    ).toBeGreaterThan(0)

    const edited = await t.call('PATCH', `/accounts/alice/messages/${id}`, {
      key: t.alice,
      body: { content: { text: 'edited' }, expectedVersion: 1 },
    })
    expect(edited.body).toMatchObject({ version: 2, content: { text: 'edited' } })
    const stale = await t.call('PATCH', `/accounts/alice/messages/${id}`, {
      key: t.alice,
      body: { content: { text: 'x' }, expectedVersion: 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.code).toBe('version_conflict')
    const receipts = await t.call('GET', `/accounts/alice/messages/${id}/receipts`, {
      key: t.alice,
    })
    expect(receipts.body[0].recipient).toBe('bob')
    expect(
      (await t.call('GET', `/accounts/bob/messages/${id}/receipts`, { key: t.bob })).status,
    ).toBe(403)

    const second = (await send({ content: { text: 'two' } })).body.id
    expect(
      (await t.call('DELETE', `/accounts/bob/messages/${second}`, { key: t.bob })).body,
    ).toEqual({ changed: 1 })
    expect(
      (
        await t.call('POST', '/accounts/bob/messages/delete', {
          key: t.bob,
          body: { ids: [second] },
        })
      ).status,
    ).toBe(404)
    expect(
      (await t.call('POST', `/accounts/alice/messages/${id}/retract`, { key: t.alice })).status,
    ).toBe(200)
    expect(
      (await t.call('POST', `/accounts/alice/messages/${id}/retract`, { key: t.alice })).status,
    ).toBe(409)
    expect((await t.call('GET', '/accounts/bob/messages/msg_none', { key: t.bob })).status).toBe(
      404,
    )
  })

  it('answers 400 for bad input and stores nothing', async () => {
    for (const body of [
      { to: [] },
      { content: 'text' },
      { extra: 1 },
      { onConsentMissing: 'maybe' },
    ]) {
      const res = await send(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.code).toBe('invalid_input')
    }
    expect((await t.call('GET', '/accounts/bob/messages?limit=0', { key: t.bob })).status).toBe(400)
    expect((await t.call('GET', '/accounts/bob/messages?bogus=1', { key: t.bob })).status).toBe(400)
    expect((await t.ph.messages.list({ owner: 'bob' })).items).toHaveLength(0)
    expect((await send({ to: ['nobody'] })).status).toBe(422)
  })

  it('Idempotency-Key: a retry gets the original message; another body is 409', async () => {
    const first = await send({}, undefined, { 'idempotency-key': 'k1' })
    const again = await send({}, undefined, { 'idempotency-key': 'k1' })
    expect(again.status).toBe(201)
    expect(again.body).toEqual(first.body)
    expect((await t.ph.messages.list({ owner: 'bob' })).items).toHaveLength(1)
    const other = await send({ content: { text: 'other' } }, undefined, { 'idempotency-key': 'k1' })
    expect(other.status).toBe(409)
    expect(other.body.code).toBe('idempotency_conflict')
    expect(
      (await send({ idempotencyKey: 'k2' }, undefined, { 'idempotency-key': 'k3' })).status,
    ).toBe(400)
  })

  it('dry run answers 200 and stores nothing; sendMany stores the valid items', async () => {
    const dry = await send({ dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ dryRun: true, ok: true, status: 'created' })
    const many = await t.call('POST', '/messages/batch', {
      key: t.alice,
      body: {
        items: [
          { identifier: 'a', from: 'alice', to: ['bob'], content: { n: 1 } },
          { identifier: 'b', from: 'alice', to: ['nobody'], content: { n: 2 } },
        ],
      },
    })
    expect(many.status).toBe(200)
    expect(many.body).toMatchObject({ created: 1, failed: 1 })
    expect((await t.call('POST', '/messages/batch', { body: { items: [] } })).status).toBe(400)
    expect((await t.ph.messages.list({ owner: 'bob' })).items).toHaveLength(1)
  })

  it('consent_required is 403 with the refused recipients', async () => {
    await t.ph.accounts.update({ address: 'bob', consent: 'opt-in' })
    const refused = await send({})
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ code: 'consent_required', details: { field: 'to' } })
    const grant = await t.call('POST', '/accounts/bob/consent/alice/grant', { key: t.bob })
    expect(grant.body).toMatchObject({ state: 'allowed', changed: true })
    expect(
      (await t.call('GET', '/accounts/alice/consent/check?recipient=bob', { key: t.alice })).body,
    ).toEqual({ allowed: true, box: 'inbox' })
    expect(
      (await t.call('GET', '/accounts/alice/consent/feed?since=0', { key: t.alice })).body.items,
    ).toHaveLength(1)
    expect(
      (await t.call('POST', '/accounts/bob/consent/alice/revoke', { key: t.bob })).body.state,
    ).toBe('denied')
  })
})

describe('REST: threads, requests, files', () => {
  it('threads: create, list, get, close', async () => {
    const thread = await t.call('POST', '/threads', {
      key: t.alice,
      body: { subject: 'Plans', participants: ['alice', 'bob'], createdBy: 'alice' },
    })
    expect(thread.status).toBe(201)
    const id = thread.body.id
    expect(
      (await t.call('GET', '/accounts/bob/threads?closed=false', { key: t.bob })).body.items[0].id,
    ).toBe(id)
    expect((await t.call('GET', `/accounts/bob/threads/${id}`, { key: t.bob })).body.subject).toBe(
      'Plans',
    )
    expect((await t.call('POST', `/accounts/bob/threads/${id}/close`, { key: t.bob })).status).toBe(
      200,
    )
    expect((await t.call('POST', `/accounts/bob/threads/${id}/close`, { key: t.bob })).status).toBe(
      409,
    )
  })

  it('requests: validate, create, send, list, get, canAccept, accept; reject', async () => {
    const content = {
      items: [{ '@type': 'FreeTextRequestItem', mustBeAccepted: false, title: 'How?' }],
    }
    expect(
      (
        await t.call('POST', '/accounts/alice/requests/validate', {
          key: t.alice,
          body: { peer: 'bob', content },
        })
      ).body.isSuccess,
    ).toBe(true)
    const draft = await t.call('POST', '/accounts/alice/requests', {
      key: t.alice,
      body: { peer: 'bob', content },
    })
    expect(draft.status).toBe(201)
    expect((await send({ content: draft.body.content }, t.alice)).status).toBe(201)
    const incoming = await t.call(
      'GET',
      '/accounts/bob/requests?direction=incoming&status=ManualDecisionRequired,DecisionRequired',
      { key: t.bob },
    )
    const id = incoming.body.items[0].id
    expect(
      (await t.call('GET', `/accounts/bob/requests/${id}`, { key: t.bob })).body.direction,
    ).toBe('incoming')
    const decisions = { items: [{ accept: true, freeText: 'a friend' }] }
    expect(
      (
        await t.call('POST', `/accounts/bob/requests/${id}/can-accept`, {
          key: t.bob,
          body: decisions,
        })
      ).body.isSuccess,
    ).toBe(true)
    expect(
      (await t.call('POST', `/accounts/bob/requests/${id}/can-reject`, { key: t.bob, body: {} }))
        .body.isSuccess,
    ).toBe(true)
    const done = await t.call('POST', `/accounts/bob/requests/${id}/accept`, {
      key: t.bob,
      body: decisions,
    })
    expect(done.body.status).toBe('Completed')
    expect(
      (await t.call('POST', `/accounts/bob/requests/${id}/reject`, { key: t.bob, body: {} }))
        .status,
    ).toBe(409)
    expect((await t.call('GET', '/accounts/bob/requests/req_none', { key: t.bob })).status).toBe(
      404,
    )
  })

  it('files: streamed upload, metadata, download, attachment through the message, delete; 413', async () => {
    const bytes = new Uint8Array(200_000).map((_, i) => i % 251)
    const up = await t.call('POST', '/accounts/alice/files?name=r%C3%A9sum%C3%A9.bin', {
      key: t.alice,
      raw: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(up.status).toBe(201)
    expect(up.body).toMatchObject({
      name: 'résumé.bin',
      size: 200_000,
      mimeType: 'application/octet-stream',
    })
    const fileId = up.body.id
    expect((await t.call('GET', `/accounts/alice/files/${fileId}`, { key: t.alice })).body.id).toBe(
      fileId,
    )
    const down = await fetch(`${t.server.url}/accounts/alice/files/${fileId}/content`, {
      headers: { authorization: `Bearer ${t.alice}` },
    })
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(bytes)
    expect(down.headers.get('content-disposition')).toContain("UTF-8''r%C3%A9sum%C3%A9.bin")
    const msg = (await send({ attachments: [fileId] }, t.alice)).body.id
    const att = await fetch(`${t.server.url}/accounts/bob/messages/${msg}/attachments/${fileId}`, {
      headers: { authorization: `Bearer ${t.bob}` },
    })
    expect(att.status).toBe(200)
    expect(new Uint8Array(await att.arrayBuffer())).toEqual(bytes)
    const named = await t.call('POST', '/accounts/alice/files', {
      key: t.alice,
      raw: 'hello',
      headers: { 'content-type': 'text/plain', 'x-file-name': 'a%20b.txt' },
    })
    expect(named.body).toMatchObject({ name: 'a b.txt', mimeType: 'text/plain', size: 5 })
    expect((await t.call('POST', '/accounts/alice/files', { key: t.alice, raw: 'x' })).status).toBe(
      400,
    )
    expect(
      (await t.call('DELETE', `/accounts/alice/files/${named.body.id}`, { key: t.alice })).status,
    ).toBe(204)
    expect(
      (await t.call('GET', `/accounts/alice/files/${named.body.id}`, { key: t.alice })).status,
    ).toBe(404)
  })

  it('a file over files.maxFileSize is 413 and keeps nothing', async () => {
    const small = await restFixture({ files: { maxFileSize: 1000 } })
    try {
      const res = await small.call('POST', '/accounts/alice/files?name=big', {
        raw: new Uint8Array(5000),
      })
      expect(res.status).toBe(413)
      expect(res.body.code).toBe('file_too_large')
    } finally {
      await small.close()
    }
  })

  it('rate limited: 429 with Retry-After and RateLimit-* headers', async () => {
    const limited = await restFixture({ limits: { sendsPerSecond: 1, burst: 1 } })
    try {
      const body = { from: 'alice', to: ['bob'], content: { text: 'hi' } }
      expect((await limited.call('POST', '/messages', { body })).status).toBe(201)
      const res = await limited.call('POST', '/messages', { body })
      expect(res.status).toBe(429)
      expect(res.body.code).toBe('rate_limited')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(res.headers.get('ratelimit-limit')).toBe('1')
      expect(res.headers.get('ratelimit-remaining')).toBe('0')
    } finally {
      await limited.close()
    }
  })
})
