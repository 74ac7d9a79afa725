import { describe, expect, it } from 'vitest'
import type { Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

/** Every page of a listing, following nextCursor. */
async function walk<T>(
  page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  for (;;) {
    const p = await page(cursor)
    items.push(...p.items)
    if (p.nextCursor === null) return items
    cursor = p.nextCursor
  }
}

const addresses = (ph: Pigeonhole, prefix: string, limit: number) =>
  walk((cursor) => ph.accounts.list({ prefix, limit, ...(cursor && { cursor }) })).then((items) =>
    items.map((a) => a.address),
  )

// What the inspector shows: accounts found by the start of their address, and the consent
// states an account holds.
export function describeListingSearch(options: ConformanceOptions): void {
  describe('accounts.list prefix and consent.list', () => {
    const t = useEngine(options)

    it('accounts.list with prefix: only addresses that start with it, paged, case folded', async () => {
      await register(t.ph, 'al', 'alice', 'alina', 'al_x', 'alxy', 'bob', 'a-l', 'al.b', 'aal')
      expect(await addresses(t.ph, 'al', 2)).toEqual([
        'al',
        'al.b',
        'al_x',
        'alice',
        'alina',
        'alxy',
      ])
      expect(await addresses(t.ph, 'AL', 100)).toEqual(await addresses(t.ph, 'al', 100))
      // `_` is a LIKE wildcard: here it stands for itself.
      expect(await addresses(t.ph, 'al_', 100)).toEqual(['al_x'])
      expect(await addresses(t.ph, 'a-', 100)).toEqual(['a-l'])
      expect(await addresses(t.ph, 'zed', 100)).toEqual([])
    })

    it('accounts.list: a cursor of one prefix is refused for another; a bad prefix names the field', async () => {
      await register(t.ph, 'al', 'alice', 'alina')
      const page = await t.ph.accounts.list({ prefix: 'al', limit: 1 })
      expect(page.nextCursor).not.toBeNull()
      await expectError(
        t.ph.accounts.list({ prefix: 'ali', limit: 1, cursor: page.nextCursor! }),
        'invalid_input',
        { field: 'cursor' },
      )
      await expectError(t.ph.accounts.list({ cursor: page.nextCursor! }), 'invalid_input', {
        field: 'cursor',
      })
      await expectError(t.ph.accounts.list({ prefix: 'a%' }), 'invalid_input', { field: 'prefix' })
      await expectError(t.ph.accounts.list({ prefix: '' }), 'invalid_input', { field: 'prefix' })
    })

    it('consent.list: the states an owner holds, in sender order, paged', async () => {
      await register(t.ph, 'bob', 'ann', 'cat', 'dan', 'eve')
      await t.ph.consent.grant({ owner: 'bob', sender: 'eve' })
      t.clock.tick(5)
      await t.ph.consent.revoke({ owner: 'bob', sender: 'ann' })
      await t.ph.consent.revoke({ owner: 'bob', sender: 'system' })
      await t.ph.consent.grant({ owner: 'bob', sender: 'dan' })
      await t.ph.consent.revoke({ owner: 'bob', sender: 'dan' })
      await t.ph.consent.grant({ owner: 'cat', sender: 'bob' })
      const items = await walk((cursor) =>
        t.ph.consent.list({ owner: 'Bob', limit: 2, ...(cursor && { cursor }) }),
      )
      const at = 1_000_000
      expect(items).toEqual([
        { owner: 'bob', sender: 'ann', state: 'denied', updatedAt: at + 5 },
        { owner: 'bob', sender: 'dan', state: 'denied', updatedAt: at + 5 },
        { owner: 'bob', sender: 'eve', state: 'allowed', updatedAt: at },
        { owner: 'bob', sender: 'system', state: 'denied', updatedAt: at + 5 },
      ])
      expect((await t.ph.consent.list({ owner: 'eve' })).items).toEqual([])
    })

    it('consent.list: an unknown owner is not_found; a foreign cursor and a bad limit name the field', async () => {
      await register(t.ph, 'bob', 'cat', 'ann', 'eve')
      await t.ph.consent.grant({ owner: 'bob', sender: 'ann' })
      await t.ph.consent.grant({ owner: 'bob', sender: 'eve' })
      await t.ph.consent.grant({ owner: 'cat', sender: 'ann' })
      await expectError(t.ph.consent.list({ owner: 'zoe' }), 'not_found', { field: 'owner' })
      const page = await t.ph.consent.list({ owner: 'bob', limit: 1 })
      await expectError(
        t.ph.consent.list({ owner: 'cat', cursor: page.nextCursor! }),
        'invalid_input',
        { field: 'cursor' },
      )
      await expectError(t.ph.consent.list({ owner: 'bob', limit: 0 }), 'invalid_input', {
        field: 'limit',
      })
    })
  })
}
