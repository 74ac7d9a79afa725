import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, register } from './helpers.js'

export function describeInjection(options: ConformanceOptions): void {
  describe('injected clock and ids', () => {
    const t = useEngine(options)

    it('takes every time from the clock and every id from the generator', async () => {
      const registeredAt = t.clock.tick(1000)
      await register(t.ph, 'alice', 'bob')
      expect((await t.ph.accounts.get('alice'))?.createdAt).toBe(registeredAt)
      const sentAt = t.clock.tick(1000)
      const events = await eventsOf(t.ph, async () => {
        const m = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
        expect(m.id).toBe(t.ids.issued.at(-1))
        expect(m.id).toMatch(/^msg_/)
        expect(m.createdAt).toBe(sentAt)
        const item = await t.ph.messages.getItem({ owner: 'bob', id: m.id })
        expect(item?.entry.createdAt).toBe(sentAt)
      })
      expect(events.map((e) => e.at)).toEqual([sentAt, sentAt])
      const threadAt = t.clock.tick(1000)
      const thread = await t.ph.threads.create({ subject: 's', participants: ['alice'] })
      expect(thread.id).toBe(t.ids.issued.at(-1))
      expect(thread.id).toMatch(/^thr_/)
      expect(thread.createdAt).toBe(threadAt)
      const broadcast = await t.ph.messages.broadcast({ content: {} })
      expect(broadcast.id).toBe(t.ids.issued.at(-1))
      expect(t.ids.issued).toEqual([
        expect.stringMatching(/^msg_/),
        expect.stringMatching(/^thr_/),
        expect.stringMatching(/^msg_/),
      ])
    })

    it('by default ids are sortable and prefixed by kind, and times are the wall clock', async () => {
      const { ph } = await t.open({ ids: undefined, clock: undefined })
      await register(ph, 'alice', 'bob')
      const before = Date.now()
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        const m = await ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })
        expect(m.createdAt).toBeGreaterThanOrEqual(before)
        expect(m.createdAt).toBeLessThanOrEqual(Date.now())
        ids.push(m.id)
      }
      expect(ids.every((id) => /^msg_[0-9A-Z]{26}$/.test(id))).toBe(true)
      expect([...ids].sort()).toEqual(ids)
      const thread = await ph.threads.create({ subject: 's', participants: ['alice'] })
      expect(thread.id).toMatch(/^thr_[0-9A-Z]{26}$/)
    })

    it('default ids follow an injected clock', async () => {
      const { ph, clock } = await t.open({ ids: undefined })
      await register(ph, 'alice', 'bob')
      const first = await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      clock.tick(86_400_000)
      const later = await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      expect(first.id < later.id).toBe(true)
      // A ULID's first 10 characters encode its time.
      expect(first.id.slice(4, 14)).not.toBe(later.id.slice(4, 14))
    })
  })
}
