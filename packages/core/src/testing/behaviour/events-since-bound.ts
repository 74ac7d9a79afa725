import { firstValueFrom, type Subscription } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import type { PigeonholeEvent } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeEventsSinceBound(options: ConformanceOptions): void {
  describe('events.since: a cursor past the newest stored event', () => {
    const t = useEngine(options)
    let subscriptions: Subscription[] = []
    afterEach(() => {
      for (const s of subscriptions) s.unsubscribe()
      subscriptions = []
    })

    it('errors the stream with invalid_input naming the newest cursor: it could only skip events', async () => {
      await expectError(firstValueFrom(t.ph.events.since(1)), 'invalid_input', {
        message:
          /events.since: cursor: expected a cursor up to 0 \(the newest stored event\), got 1/,
        field: 'cursor',
      })
      await register(t.ph, 'alice', 'bob')
      const newest = t.ph.events.lastCursor
      for (const cursor of [newest + 1, 1e12, Number.MAX_SAFE_INTEGER]) {
        const e = await expectError(firstValueFrom(t.ph.events.since(cursor)), 'invalid_input', {
          message: new RegExp(`cursor: expected a cursor up to ${newest} .*, got ${cursor}`),
          field: 'cursor',
        })
        expect(e.details).toMatchObject({ got: cursor, newest })
      }
      // The newest cursor itself is fine: the stream waits for what comes next.
      const next: PigeonholeEvent[] = []
      subscriptions.push(t.ph.events.since(newest).subscribe((e) => next.push(e)))
      await register(t.ph, 'carol')
      await expect.poll(() => next.map((e) => e.owner)).toEqual(['carol'])
    })
  })
}
