import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, register } from './helpers.js'

export function describeVersions(options: ConformanceOptions): void {
  describe('versions', () => {
    const t = useEngine(options)

    it('an entry’s version goes up by one on each read, unread, move and delete', async () => {
      await register(t.ph, 'alice', 'bob')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const version = async () => (await t.ph.messages.getItem({ owner: 'bob', id }))?.entry.version
      expect(await version()).toBe(1)
      await t.ph.messages.markRead({ owner: 'bob', ids: [id] })
      expect(await version()).toBe(2)
      await t.ph.messages.markUnread({ owner: 'bob', ids: [id] })
      expect(await version()).toBe(3)
      await t.ph.messages.move({ owner: 'bob', ids: [id], to: 'later' })
      expect(await version()).toBe(4)
      await t.ph.messages.markRead({ owner: 'bob', box: 'later' })
      expect(await version()).toBe(5)
      const deleted = await eventsOf(t.ph, () => t.ph.messages.delete({ owner: 'bob', ids: [id] }))
      expect(deleted.map((e) => [e.type, e.data.version])).toEqual([['message.deleted', 6]])
      // The sender's entry and the shared message were not touched.
      expect((await t.ph.messages.getItem({ owner: 'alice', id }))?.entry.version).toBe(1)
      expect((await t.ph.messages.get({ owner: 'alice', id }))?.version).toBe(1)
    })

    it('a message’s version goes up by one per edit and never for entry changes', async () => {
      await register(t.ph, 'alice', 'bob')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 0 } })
      for (let n = 1; n <= 3; n++) {
        await t.ph.messages.markRead({ owner: 'bob', ids: [id] })
        await t.ph.messages.markUnread({ owner: 'bob', ids: [id] })
        const m = await t.ph.messages.update({
          id,
          by: 'alice',
          content: { n },
          expectedVersion: n,
        })
        expect(m.version).toBe(n + 1)
      }
      expect((await t.ph.messages.get({ owner: 'alice', id }))?.version).toBe(4)
    })

    it('of two concurrent updates with the same expectedVersion exactly one wins', async () => {
      await register(t.ph, 'alice', 'bob')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { n: 0 } })
      for (let round = 1; round <= 5; round++) {
        const results = await Promise.allSettled(
          ['a', 'b'].map((who) =>
            t.ph.messages.update({ id, by: 'alice', content: { who }, expectedVersion: round }),
          ),
        )
        const won = results.filter((r) => r.status === 'fulfilled')
        const lost = results.filter((r) => r.status === 'rejected')
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
          code: 'version_conflict',
        })
        const winner = (won[0] as PromiseFulfilledResult<{ content: unknown; version: number }>)
          .value
        expect(winner.version).toBe(round + 1)
        const stored = await t.ph.messages.get({ owner: 'bob', id })
        expect(stored?.version).toBe(round + 1)
        expect(stored?.content).toEqual(winner.content)
      }
    })
  })
}
