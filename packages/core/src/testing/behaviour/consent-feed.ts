import { describe, expect, it } from 'vitest'
import type { ConsentFeedItem, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

/** Every page of a feed, following nextCursor; also returns how many pages it took. */
async function walk(
  ph: Pigeonhole,
  input: { sender: string; since?: number; until?: number; limit: number },
): Promise<{ items: ConsentFeedItem[]; pages: number }> {
  const items: ConsentFeedItem[] = []
  let cursor: string | undefined
  for (let pages = 1; ; pages++) {
    const page = await ph.consent.feed({ ...input, ...(cursor && { cursor }) })
    expect(page.items.length).toBeLessThanOrEqual(input.limit)
    expect(page.prevCursor).toBeNull()
    items.push(...page.items)
    if (page.nextCursor === null) return { items, pages }
    cursor = page.nextCursor
  }
}

export function describeConsentFeed(options: ConformanceOptions): void {
  describe('consent.feed', () => {
    const t = useEngine(options)

    it('lists the changes to one sender in a time window, oldest first, keyset-paged', async () => {
      const owners = ['a1', 'a2', 'a3', 'a4', 'a5']
      await register(t.ph, ...owners, 'other')
      const log: ConsentFeedItem[] = []
      const record = async (owner: string, state: 'granted' | 'revoked', sender = 'shop') => {
        const call = state === 'granted' ? t.ph.consent.grant : t.ph.consent.revoke
        const result = await call({ owner, sender })
        if (result.changed && sender === 'shop')
          log.push({ owner, sender, state, at: t.clock.now() })
      }
      // Several changes share a time (the keyset must order ties), some times have none.
      await record('a1', 'granted')
      await record('a2', 'granted')
      t.clock.tick(10) // 1000010
      await record('a3', 'granted')
      await record('a1', 'revoked')
      await record('a1', 'revoked') // no change: no row
      await record('a4', 'granted', 'elsewhere') // another sender
      t.clock.tick(10) // 1000020
      await record('a5', 'revoked')
      await record('a2', 'granted') // no change
      t.clock.tick(10) // 1000030
      await record('a1', 'granted')
      await record('other', 'granted')
      expect(log).toHaveLength(7)
      const start = 1_000_000
      for (const limit of [1, 2, 3, 100]) {
        const all = await walk(t.ph, { sender: 'shop', limit })
        expect(all.items, `limit ${limit}`).toEqual(log)
        expect(all.pages).toBe(Math.max(1, Math.ceil(log.length / limit)))
        // since is inclusive, until exclusive.
        const window = await walk(t.ph, {
          sender: 'shop',
          since: start + 10,
          until: start + 30,
          limit,
        })
        expect(window.items, `window, limit ${limit}`).toEqual(
          log.filter((i) => i.at >= start + 10 && i.at < start + 30),
        )
        expect(window.items.map((i) => `${i.owner} ${i.state}`)).toEqual([
          'a3 granted',
          'a1 revoked',
          'a5 revoked',
        ])
        const since = await walk(t.ph, { sender: 'shop', since: start + 20, limit })
        expect(since.items.map((i) => i.at)).toEqual([start + 20, start + 30, start + 30])
      }
      expect((await t.ph.consent.feed({ sender: 'shop', since: start + 31 })).items).toEqual([])
      expect((await t.ph.consent.feed({ sender: 'shop', until: start })).items).toEqual([])
      expect((await t.ph.consent.feed({ sender: 'elsewhere' })).items).toEqual([
        { owner: 'a4', sender: 'elsewhere', state: 'granted', at: start + 10 },
      ])
      // `shop@local` is `shop`.
      expect((await t.ph.consent.feed({ sender: 'SHOP@local' })).items).toEqual(log)
      // Default limit 100: everything here, no next page.
      expect(await t.ph.consent.feed({ sender: 'shop' })).toEqual({
        items: log,
        nextCursor: null,
        prevCursor: null,
      })
    })

    it('a page cursor belongs to its sender and window; bad input is invalid_input naming the field', async () => {
      await register(t.ph, 'a1', 'a2')
      await t.ph.consent.grant({ owner: 'a1', sender: 'shop' })
      await t.ph.consent.grant({ owner: 'a2', sender: 'shop' })
      const first = await t.ph.consent.feed({ sender: 'shop', limit: 1, since: 0 })
      expect(first.items.map((i) => i.owner)).toEqual(['a1'])
      const cursor = first.nextCursor!
      expect(cursor).toEqual(expect.any(String))
      const next = await t.ph.consent.feed({ sender: 'shop', limit: 5, since: 0, cursor })
      expect(next.items.map((i) => i.owner)).toEqual(['a2'])
      await expectError(t.ph.consent.feed({ sender: 'other', since: 0, cursor }), 'invalid_input', {
        field: 'cursor',
        message: /belongs to another listing/,
      })
      await expectError(t.ph.consent.feed({ sender: 'shop', cursor }), 'invalid_input', {
        field: 'cursor',
      })
      // A cursor of another list method is foreign too.
      const accounts = await t.ph.accounts.list({ limit: 1 })
      await expectError(
        t.ph.consent.feed({ sender: 'shop', cursor: accounts.nextCursor! }),
        'invalid_input',
        { field: 'cursor' },
      )
      await expectError(
        t.ph.consent.feed({ sender: 'shop', cursor: 'nonsense' }),
        'invalid_input',
        {
          field: 'cursor',
        },
      )
      await expectError(t.ph.consent.feed({ sender: 'shop', limit: 0 }), 'invalid_input', {
        field: 'limit',
      })
      await expectError(t.ph.consent.feed({ sender: 'shop', since: -1 }), 'invalid_input', {
        field: 'since',
      })
      await expectError(
        t.ph.consent.feed({ sender: 'shop', since: 10, until: 5 }),
        'invalid_input',
        {
          field: 'until',
          message: /^consent\.feed: until: expected a time at or after since \(10\), got 5$/,
        },
      )
    })
  })
}
