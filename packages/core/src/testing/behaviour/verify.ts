import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { register } from './helpers.js'

export function describeVerify(options: ConformanceOptions): void {
  describe('verify()', () => {
    const t = useEngine(options)

    it('reads one snapshot: clean in every round while sends and marks run at once', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const first = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      for (let round = 0; round < 20; round++) {
        const writes = Promise.all([
          ...Array.from({ length: 5 }, (_, i) =>
            t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { round, i } }),
          ),
          t.ph.messages.markRead({ owner: 'bob', box: 'inbox' }),
          t.ph.messages.markUnread({ owner: 'bob', ids: [first.id] }),
          t.ph.messages.move({ owner: 'carol', ids: [first.id], to: round % 2 ? 'a' : 'b' }).catch(
            () => undefined, // carol has no entry of `first`: only a load here
          ),
        ])
        const found = await Promise.all([t.ph.verify(), t.ph.verify()])
        await writes
        expect(found, `round ${round}`).toEqual([[], []])
      }
    })

    it('tells onProgress before the first check and after each, with the same result', async () => {
      await register(t.ph, 'alice', 'bob')
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const seen: { check: string | null; done: number; total: number }[] = []
      const found = await t.ph.verify({ onProgress: (p) => seen.push(p) })
      expect(found).toEqual(await t.ph.verify())
      const total = seen[0]?.total ?? 0
      expect(total).toBeGreaterThan(1)
      expect(seen.map((p) => p.done)).toEqual(Array.from({ length: total + 1 }, (_, i) => i))
      expect(seen[0]?.check).toBeNull()
      expect(seen.slice(1).every((p) => typeof p.check === 'string' && p.total === total)).toBe(
        true,
      )
      await expect(t.ph.verify({ onProgres: () => {} } as never)).rejects.toThrow(
        /did you mean "onProgress"/,
      )
    })
  })
}
