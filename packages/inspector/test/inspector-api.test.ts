import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inspector, serveInspector } from '../src/index.js'
import { adminKey } from './seed.js'

// The inspector's own routes, without a browser: sessions, read-only, mounting, assets.
let ph: Pigeonhole
let aliceKey: string
beforeAll(async () => {
  ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:' }) })
  await ph.accounts.register({ address: 'alice' })
  await ph.accounts.register({ address: 'bob' })
  aliceKey = (await ph.admin.apiKeys.create({ account: 'alice', label: 'alice' })).key
})
afterAll(() => ph.close())

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const json = (body: unknown, key = adminKey) => ({
  method: 'POST',
  headers: { ...bearer(key), 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
const send = { from: 'alice', to: ['bob'], content: { text: 'hi' } }

describe('inspector()', () => {
  it('refuses bad options naming the option', () => {
    expect(() => inspector({ engines: { 'Bad Name': ph } })).toThrow(/engines/)
    expect(() => inspector({ engines: ph, allowWrite: true } as never)).toThrow(/allowWrites/)
    expect(() => inspector({ engines: {} })).toThrow(/engines/)
    expect(() => inspector({ engines: 'ph' as never })).toThrow(/engines/)
  })

  it('a session needs an admin key: it is set as an HttpOnly, SameSite=Strict cookie', async () => {
    const app = inspector({ engines: ph, keys: [{ key: adminKey }] })
    expect((await app.request('/info')).status).toBe(401)
    const wrong = await app.request('/session', json({ key: 'nope-nope-nope-nope-nope-nope-nope' }))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    // A key bound to one account cannot list the accounts: not enough for the page.
    expect((await app.request('/session', json({ key: aliceKey }))).status).toBe(401)
    expect((await app.request('/session', json({ nope: 1 }))).status).toBe(400)
    const ok = await app.request('/session', json({ key: adminKey }))
    expect(ok.status).toBe(200)
    const cookie = ok.headers.get('set-cookie')!
    expect(cookie).toMatch(/^pigeonhole_inspector=/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\//)
    const info = await app.request('/info', { headers: { cookie: cookie.split(';')[0]! } })
    expect(await info.json()).toEqual({
      allowWrites: false,
      engines: [{ name: 'main', lastCursor: ph.events.lastCursor }],
    })
  })

  it('read-only by default: writes through the engines are 403 and write nothing', async () => {
    const app = inspector({ engines: ph, keys: [{ key: adminKey }] })
    const before = await ph.boxes.counts('bob')
    const refused = await app.request('/engines/main/messages', json(send))
    expect(refused.status).toBe(403)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect(await refused.json()).toMatchObject({ code: 'forbidden', details: { readOnly: true } })
    for (const method of ['PATCH', 'DELETE', 'PUT']) {
      const res = await app.request('/engines/main/accounts/bob', {
        method,
        headers: { ...bearer(adminKey), 'content-type': 'application/json' },
        body: method === 'DELETE' ? null : '{"displayName":"x"}',
      })
      expect(res.status).toBe(403)
    }
    expect(await ph.boxes.counts('bob')).toEqual(before)
    expect((await ph.accounts.get('bob'))?.displayName).toBeNull()
    const read = await app.request('/engines/main/accounts/bob/boxes', {
      headers: bearer(adminKey),
    })
    expect(read.status).toBe(200)
    expect((await app.request('/engines/main/accounts/bob/boxes')).status).toBe(401)
    expect((await app.request('/engines/zzz/accounts', { headers: bearer(adminKey) })).status).toBe(
      404,
    )
  })

  it('allowWrites: the same calls go through', async () => {
    const app = inspector({ engines: ph, keys: [{ key: adminKey }], allowWrites: true })
    const res = await app.request('/engines/main/messages', json(send))
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }
    expect(await ph.messages.get({ owner: 'bob', id })).not.toBeNull()
  })

  it('serves only its own assets, and mounts under a host path', async () => {
    const host = new Hono().route('/inspect', inspector({ engines: ph, keys: [{ key: adminKey }] }))
    const bare = await host.request('/inspect')
    expect(bare.status).toBe(308)
    expect(bare.headers.get('location')).toBe('/inspect/index.html')
    const page = await host.request('/inspect/index.html')
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<title>Pigeonhole inspector<\/title>/)
    const script = await host.request('/inspect/assets/inspector.js')
    expect(script.headers.get('content-type')).toMatch(/javascript/)
    expect((await host.request('/inspect/assets/..%2Fpackage.json')).status).toBe(404)
    expect((await host.request('/inspect/assets/nope.js')).status).toBe(404)
    const ok = await host.request('/inspect/session', json({ key: adminKey }))
    expect(ok.headers.get('set-cookie')).toMatch(/Path=\/inspect\//)
    const rest = await host.request('/inspect/engines/main/accounts', { headers: bearer(adminKey) })
    expect(((await rest.json()) as { items: unknown[] }).items).toHaveLength(2)
  })

  it('serveInspector listens on 127.0.0.1 on a free port', async () => {
    const server = await serveInspector({ engines: ph, port: 0, keys: [{ key: adminKey }] })
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
      const res = await fetch(server.url)
      expect(res.status).toBe(200)
      expect(await res.text()).toMatch(/assets\/inspector.js/)
    } finally {
      await server.close()
    }
  })
})
