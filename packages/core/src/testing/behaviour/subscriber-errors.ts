import { filter, map, type Subscription } from 'rxjs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PigeonholeEvent } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { register } from './helpers.js'

/** Waits for a few turns of the event loop: RxJS rethrows unhandled errors from a timer. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

export function describeSubscriberErrors(options: ConformanceOptions): void {
  describe('a subscriber that throws', () => {
    const reported: { error: unknown; event: unknown }[] = []
    const t = useEngine(options, {
      onSubscriberError: (error, event) => reported.push({ error, event }),
    })
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    let subscriptions: Subscription[] = []
    beforeEach(() => {
      reported.length = 0
      uncaught.length = 0
      process.on('uncaughtException', onUncaught)
    })
    afterEach(() => {
      process.off('uncaughtException', onUncaught)
      for (const s of subscriptions) s.unsubscribe()
      subscriptions = []
    })
    const boom = (where: string) => (e: PigeonholeEvent) => {
      throw new Error(`${where} ${e.cursor}`)
    }

    it('goes to onSubscriberError; the others get every event and the engine goes on', async () => {
      await register(t.ph, 'alice', 'bob')
      const start = t.ph.events.lastCursor
      const good: number[] = []
      const replayed: number[] = []
      subscriptions.push(
        t.ph.events$.subscribe(boom('direct')),
        t.ph.events$.pipe(map((e) => e)).subscribe(boom('piped')),
        t.ph.events$.subscribe({ next: boom('observer'), error: () => {} }),
        t.ph.events$.subscribe((e) => good.push(e.cursor)),
        t.ph.events
          .since(start)
          .pipe(filter(() => true))
          .subscribe(boom('since')),
        t.ph.events.since(start).subscribe((e) => replayed.push(e.cursor)),
      )
      for (let i = 0; i < 3; i++) {
        await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })
      }
      await settle()
      const cursors = Array.from({ length: 6 }, (_, i) => start + 1 + i)
      expect(good).toEqual(cursors)
      expect(replayed).toEqual(cursors)
      const messages = reported.map((r) => (r.error as Error).message).sort()
      const expected = ['direct', 'piped', 'observer', 'since'].flatMap((w) =>
        cursors.map((c) => `${w} ${c}`),
      )
      expect(messages).toEqual(expected.sort())
      expect(reported.every((r) => (r.event as PigeonholeEvent).cursor > start)).toBe(true)
      expect(uncaught).toEqual([])
      // Still working, and the throwing subscribers stay subscribed.
      await t.ph.accounts.register({ address: 'carol' })
      await settle()
      expect(good.at(-1)).toBe(t.ph.events.lastCursor)
      expect(reported).toHaveLength(expected.length + 4)
    })

    it('an error in an operator, with no error handler, is reported, not thrown', async () => {
      await register(t.ph, 'alice')
      subscriptions.push(
        t.ph.events$
          .pipe(
            map((e) => {
              throw new Error(`operator ${e.type}`)
            }),
          )
          .subscribe(() => {}),
      )
      await t.ph.accounts.register({ address: 'bob' })
      await settle()
      expect(reported.map((r) => [(r.error as Error).message, r.event])).toEqual([
        ['operator account.registered', undefined],
      ])
      expect(uncaught).toEqual([])
    })

    it('by default goes to console.error with a message saying what happened', async () => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
      try {
        const { ph } = await t.open({ onSubscriberError: undefined })
        subscriptions.push(ph.events$.subscribe(boom('default')))
        await ph.accounts.register({ address: 'alice' })
        await settle()
        expect(errors).toHaveBeenCalledTimes(1)
        const [message, error] = errors.mock.calls[0]!
        expect(message).toMatch(/events\$ subscriber threw.*account\.registered/)
        expect((error as Error).message).toBe(`default ${ph.events.lastCursor}`)
        expect(uncaught).toEqual([])
      } finally {
        errors.mockRestore()
      }
    })
  })
}
