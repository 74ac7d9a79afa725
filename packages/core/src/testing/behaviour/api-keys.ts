import { describe, expect, it } from 'vitest'
import { hashApiKey } from '../../api-keys/api-keys.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeApiKeys(options: ConformanceOptions): void {
  describe('admin.apiKeys and events.read', () => {
    const t = useEngine(options)

    it('creates admin and bound keys, verifies them, keeps only the hash, revokes', async () => {
      await register(t.ph, 'alice')
      const admin = await t.ph.admin.apiKeys.create({ label: 'ops' })
      const bound = await t.ph.admin.apiKeys.create({ account: 'Alice', label: 'alice app' })
      expect(admin.key).toMatch(/^ph_[A-Za-z0-9_-]{43}$/)
      expect(bound).toMatchObject({ account: 'alice', label: 'alice app', revokedAt: null })
      expect(await t.ph.admin.apiKeys.verify(admin.key)).toEqual({
        id: admin.id,
        account: null,
        label: 'ops',
        createdAt: t.clock.now(),
        revokedAt: null,
      })
      expect((await t.ph.admin.apiKeys.verify(bound.key))?.account).toBe('alice')
      expect(await t.ph.admin.apiKeys.verify(`${bound.key}x`)).toBeNull()
      expect(await t.ph.admin.apiKeys.verify('')).toBeNull()
      const listed = await t.ph.admin.apiKeys.list()
      expect(listed.map((k) => k.id).sort()).toEqual([admin.id, bound.id].sort())
      expect(JSON.stringify(listed)).not.toContain(bound.key)
      expect(hashApiKey(bound.key)).toMatch(/^[0-9a-f]{64}$/)

      const revoked = await t.ph.admin.apiKeys.revoke(bound.id)
      expect(revoked.revokedAt).toBe(t.clock.now())
      expect(await t.ph.admin.apiKeys.verify(bound.key)).toBeNull()
      expect((await t.ph.admin.apiKeys.revoke(bound.id)).revokedAt).toBe(revoked.revokedAt)
      await expectError(t.ph.admin.apiKeys.revoke('key_nope'), 'not_found', { field: 'id' })
    })

    it('refuses a key for an unknown account; a removed account’s keys stop verifying', async () => {
      await expectError(t.ph.admin.apiKeys.create({ account: 'nobody', label: 'x' }), 'not_found', {
        field: 'account',
      })
      await expectError(t.ph.admin.apiKeys.create({ label: '' }), 'invalid_input', {
        field: 'label',
      })
      await register(t.ph, 'bob')
      const key = await t.ph.admin.apiKeys.create({ account: 'bob', label: 'b' })
      await t.ph.accounts.remove('bob')
      expect(await t.ph.admin.apiKeys.verify(key.key)).toBeNull()
    })

    it('events.read pages stored events by cursor, per owner too', async () => {
      await register(t.ph, 'alice')
      await register(t.ph, 'bob')
      const all = await t.ph.events.read({ after: 0, limit: 1000 })
      expect(all.items.map((e) => e.type)).toEqual(['account.registered', 'account.registered'])
      const first = await t.ph.events.read({ after: 0, limit: 1 })
      expect(first.items).toHaveLength(1)
      const second = await t.ph.events.read({ after: first.nextCursor, limit: 1 })
      expect(second.items[0]?.owner).toBe('bob')
      const end = await t.ph.events.read({ after: second.nextCursor })
      expect(end).toEqual({ items: [], nextCursor: second.nextCursor })
      const bobs = await t.ph.events.read({ after: 0, owner: 'BOB' })
      expect(bobs.items.map((e) => e.owner)).toEqual(['bob'])
      await expectError(t.ph.events.read({ after: second.nextCursor + 5 }), 'invalid_input', {
        field: 'after',
      })
      await expectError(t.ph.events.read({ after: -1 }), 'invalid_input', { field: 'after' })
    })
  })
}
