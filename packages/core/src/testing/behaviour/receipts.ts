import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeReceipts(options: ConformanceOptions): void {
  describe('messages.receipts', () => {
    const t = useEngine(options)

    it('gives each recipient’s deliveredAt and first readAt, which stays after markUnread', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const sentAt = t.clock.tick(10)
      const m = await t.ph.messages.send({ from: 'alice', to: ['carol', 'bob'], content: {} })
      expect(await t.ph.messages.receipts({ owner: 'alice', id: m.id })).toEqual([
        { recipient: 'bob', deliveredAt: sentAt, readAt: null },
        { recipient: 'carol', deliveredAt: sentAt, readAt: null },
      ])
      const readAt = t.clock.tick(10)
      await t.ph.messages.markRead({ owner: 'bob', ids: [m.id] })
      t.clock.tick(10)
      await t.ph.messages.markUnread({ owner: 'bob', ids: [m.id] })
      t.clock.tick(10)
      // Reading again does not move the first read time.
      await t.ph.messages.markRead({ owner: 'bob', ids: [m.id] })
      await t.ph.messages.markUnread({ owner: 'bob', ids: [m.id] })
      expect(await t.ph.messages.receipts({ owner: 'alice', id: m.id })).toEqual([
        { recipient: 'bob', deliveredAt: sentAt, readAt },
        { recipient: 'carol', deliveredAt: sentAt, readAt: null },
      ])
      expect((await t.ph.messages.getItem({ owner: 'bob', id: m.id }))?.entry.readAt).toBeNull()
    })

    it('a message to oneself has the sender as a recipient', async () => {
      await register(t.ph, 'alice')
      const m = await t.ph.messages.send({ from: 'alice', to: ['alice'], content: {} })
      expect(
        (await t.ph.messages.receipts({ owner: 'alice', id: m.id })).map((r) => r.recipient),
      ).toEqual(['alice'])
    })

    it('fails for an unknown message', async () => {
      await expectError(
        t.ph.messages.receipts({ owner: 'alice', id: 'msg_missing' }),
        'not_found',
        {
          message: /id: no message "msg_missing"/,
        },
      )
      await expectError(
        t.ph.messages.receipts({ owner: 'alice', id: '' as string }),
        'invalid_input',
        { field: 'id' },
      )
    })
  })
}
