import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type RestFixture, restFixture } from './helpers/rest.js'

// The routes the inspector reads besides the rest: accounts by prefix, consent states per
// owner, verify.
let t: RestFixture
beforeEach(async () => {
  t = await restFixture()
})
afterEach(() => t.close())

describe('REST: what the inspector reads', () => {
  it('GET /accounts?prefix= lists the addresses that start with it, paged', async () => {
    await t.ph.accounts.register({ address: 'alina' })
    await t.ph.accounts.register({ address: 'al_x' })
    const first = await t.call('GET', '/accounts?prefix=AL&limit=2')
    expect(first.status).toBe(200)
    expect(first.body.items.map((a: { address: string }) => a.address)).toEqual(['al_x', 'alice'])
    const next = await t.call(
      'GET',
      `/accounts?prefix=al&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    )
    expect(next.body.items.map((a: { address: string }) => a.address)).toEqual(['alina'])
    expect(next.body.nextCursor).toBeNull()
    const bad = await t.call('GET', '/accounts?prefix=a%25')
    expect(bad.status).toBe(400)
    expect(bad.body.details.field).toBe('prefix')
    expect((await t.call('GET', '/accounts?prefix=a', { key: t.alice })).status).toBe(403)
  })

  it('GET /accounts/{owner}/consent lists the states the owner holds; bound keys only their own', async () => {
    await t.ph.consent.grant({ owner: 'bob', sender: 'alice' })
    await t.ph.consent.revoke({ owner: 'bob', sender: 'system' })
    const list = await t.call('GET', '/accounts/bob/consent', { key: t.bob })
    expect(list.status).toBe(200)
    expect(list.body).toEqual({
      items: [
        { owner: 'bob', sender: 'alice', state: 'allowed', updatedAt: expect.any(Number) },
        { owner: 'bob', sender: 'system', state: 'denied', updatedAt: expect.any(Number) },
      ],
      nextCursor: null,
      prevCursor: null,
    })
    expect(list.body).toEqual(JSON.parse(JSON.stringify(await t.ph.consent.list({ owner: 'bob' }))))
    const paged = await t.call('GET', '/accounts/bob/consent?limit=1')
    expect(paged.body.items).toHaveLength(1)
    expect(paged.body.nextCursor).not.toBeNull()
    expect((await t.call('GET', '/accounts/bob/consent', { key: t.alice })).status).toBe(403)
    const missing = await t.call('GET', '/accounts/zoe/consent')
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('not_found')
  })

  it('GET /verify answers ph.verify() for admin keys only', async () => {
    await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'hi' } })
    const ok = await t.call('GET', '/verify')
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ differences: [] })
    const bound = await t.call('GET', '/verify', { key: t.alice })
    expect(bound.status).toBe(403)
    expect(bound.body.code).toBe('forbidden')
    expect((await t.call('GET', '/verify', { key: null })).status).toBe(401)
  })

  it('the OpenAPI document lists the new routes', async () => {
    const doc = await t.call('GET', '/openapi.json', { key: null })
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/verify', '/accounts/{owner}/consent']),
    )
    expect(
      doc.body.paths['/accounts'].get.parameters.map((p: { name: string }) => p.name),
    ).toContain('prefix')
  })
})
