import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeListPage(options: ConformanceOptions): void {
  describe('messages.listPage (page number and size)', () => {
    const t = useEngine(options)

    /** 12 messages to bob: 8 from alice, 4 from carol (every third); returns ids oldest first. */
    async function fill(): Promise<string[]> {
      await register(t.ph, 'alice', 'bob', 'carol')
      const ids: string[] = []
      for (let i = 0; i < 12; i++) {
        t.clock.tick()
        const from = i % 3 === 2 ? 'carol' : 'alice'
        ids.push((await t.ph.messages.send({ from, to: ['bob'], content: { i } })).id)
      }
      return ids
    }

    it('returns the asked page with total and pageCount, newest or oldest first', async () => {
      const ids = await fill()
      const newest = [...ids].reverse()
      for (const [page, slice] of [
        [1, newest.slice(0, 5)],
        [2, newest.slice(5, 10)],
        [3, newest.slice(10)],
        [4, []],
      ] as const) {
        const result = await t.ph.messages.listPage({
          owner: 'bob',
          box: 'inbox',
          page,
          pageSize: 5,
        })
        expect(result.items.map((i) => i.message.id)).toEqual(slice)
        expect({ ...result, items: undefined }).toEqual({
          items: undefined,
          page,
          pageSize: 5,
          total: 12,
          pageCount: 3,
        })
      }
      const oldest = await t.ph.messages.listPage({
        owner: 'bob',
        page: 2,
        pageSize: 5,
        order: 'oldest',
      })
      expect(oldest.items.map((i) => i.message.id)).toEqual(ids.slice(5, 10))
    })

    it('defaults to page 1 of 50', async () => {
      const ids = await fill()
      const result = await t.ph.messages.listPage({ owner: 'bob' })
      expect(result).toMatchObject({ page: 1, pageSize: 50, total: 12, pageCount: 1 })
      expect(result.items.map((i) => i.message.id)).toEqual([...ids].reverse())
    })

    it('counts the total under filters', async () => {
      const ids = await fill()
      await t.ph.messages.markRead({ owner: 'bob', ids: ids.slice(0, 5) })
      await t.ph.messages.move({ owner: 'bob', ids: ids.slice(0, 2), to: 'archive' })
      const total = async (filter: object) =>
        (await t.ph.messages.listPage({ owner: 'bob', pageSize: 4, ...filter })).total
      expect(await total({})).toBe(12)
      expect(await total({ box: 'inbox' })).toBe(10)
      expect(await total({ box: 'archive' })).toBe(2)
      expect(await total({ unread: true })).toBe(7)
      expect(await total({ unread: false })).toBe(5)
      expect(await total({ box: 'inbox', unread: false })).toBe(3)
      expect(await total({ from: 'carol' })).toBe(4)
      expect(await total({ from: 'carol', unread: true })).toBe(3)
      const page = await t.ph.messages.listPage({
        owner: 'bob',
        from: 'carol',
        pageSize: 3,
        page: 2,
      })
      expect(page).toMatchObject({ total: 4, pageCount: 2 })
      expect(page.items.map((i) => i.message.id)).toEqual([ids[2]])
    })

    it('an empty box has total 0 and no pages', async () => {
      await register(t.ph, 'bob')
      const result = await t.ph.messages.listPage({ owner: 'bob', box: 'inbox' })
      expect(result).toEqual({ items: [], page: 1, pageSize: 50, total: 0, pageCount: 0 })
    })

    it('page goes up to 2^31-1; past the last page it is empty with the true total', async () => {
      await fill()
      const top = 2 ** 31 - 1
      for (const page of [top, 1_000_000]) {
        expect(await t.ph.messages.listPage({ owner: 'bob', page, pageSize: 1000 })).toEqual({
          items: [],
          page,
          pageSize: 1000,
          total: 12,
          pageCount: 1,
        })
      }
      for (const page of [top + 1, Number.MAX_SAFE_INTEGER]) {
        await expectError(t.ph.messages.listPage({ owner: 'bob', page }), 'invalid_input', {
          message: new RegExp(`page: expected a number <= ${top}, got ${page}`),
          field: 'page',
        })
      }
    })

    it('refuses page and pageSize out of range and unknown boxes', async () => {
      await register(t.ph, 'bob')
      await expectError(t.ph.messages.listPage({ owner: 'bob', page: 0 }), 'invalid_input', {
        message: /page: expected a number >= 1, got 0/,
        field: 'page',
      })
      await expectError(t.ph.messages.listPage({ owner: 'bob', pageSize: 2000 }), 'invalid_input', {
        message: /pageSize: expected .*1000.*, got 2000/,
        field: 'pageSize',
      })
      await expectError(t.ph.messages.listPage({ owner: 'bob', box: 'archive' }), 'invalid_input', {
        message: /box: expected one of .*got "archive"/,
        field: 'box',
      })
      await expectError(
        t.ph.messages.listPage({ owner: 'bob', limit: 5 } as never),
        'invalid_input',
        { message: /limit: expected only known fields/, field: 'limit' },
      )
    })
  })
}
