import { describe, expect, it } from 'vitest'
import { isPigeonholeError, openPigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { expectError, register } from './helpers.js'

/** Generous: only a call that never settles should reach it. */
const hangingAfterMs = 20_000

export function describeClose(options: ConformanceOptions): void {
  describe('close()', () => {
    it.each([0, 1, 2, 5])(
      'with 50 sends in flight (close after %i ms): each completes or fails with closed, then close resolves',
      async (delayMs) => {
        const ph = await openPigeonhole({ store: await options.openStore() })
        await register(ph, 'alice', 'bob')
        const order: string[] = []
        const sends = Array.from({ length: 50 }, (_, i) =>
          ph.messages.send({ from: 'alice', to: ['bob'], content: { i } }).then(
            () => order.push('sent'),
            (error: unknown) => {
              order.push(isPigeonholeError(error, 'closed') ? 'closed' : `other: ${String(error)}`)
            },
          ),
        )
        await new Promise((resolve) => setTimeout(resolve, delayMs))
        const closing = ph.close().then(() => order.push('close resolved'))
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          Promise.all([...sends, closing]),
          new Promise((resolve) => {
            timer = setTimeout(resolve, hangingAfterMs)
          }),
        ])
        clearTimeout(timer)
        const calls = order.filter((o) => o !== 'close resolved')
        expect(calls, 'every send settled').toHaveLength(50)
        expect(calls.filter((o) => o !== 'sent' && o !== 'closed')).toEqual([])
        expect(order.at(-1), 'close resolves after every call in flight').toBe('close resolved')
      },
    )

    it('calls made after close() started fail with closed; close() again gives the same promise', async () => {
      const ph = await openPigeonhole({ store: await options.openStore() })
      await register(ph, 'alice', 'bob')
      const inFlight = ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const closing = ph.close()
      await expectError(ph.messages.send({ from: 'alice', to: ['bob'], content: {} }), 'closed')
      await expectError(ph.accounts.get('alice'), 'closed')
      await expectError(ph.verify(), 'closed')
      const outcome = await inFlight.then(
        () => 'sent',
        (error: unknown) => (isPigeonholeError(error, 'closed') ? 'closed' : String(error)),
      )
      expect(['sent', 'closed']).toContain(outcome)
      expect(ph.close()).toBe(closing)
      await closing
    })
  })
}
