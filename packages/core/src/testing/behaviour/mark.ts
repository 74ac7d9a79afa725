import { describe, expect, it } from 'vitest'
import type { MarkedEntry } from '../../messages/mark-rows.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register } from './helpers.js'

export function describeMark(options: ConformanceOptions): void {
  describe('messages.markRead and markUnread', () => {
    const t = useEngine(options, { limits: { markChunkSize: 7 } })

    async function sendToBob(n: number): Promise<string[]> {
      const ids: string[] = []
      for (let i = 0; i < n; i++) {
        ids.push((await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })).id)
      }
      return ids
    }

    it('marks by ids: readAt from the clock, version +1, unread count down, one event each', async () => {
      await register(t.ph, 'alice', 'bob')
      const [a, b, c] = await sendToBob(3)
      const readAt = t.clock.tick(100)
      const events = await eventsOf(t.ph, async () => {
        expect(await t.ph.messages.markRead({ owner: 'bob', ids: [a!, b!] })).toEqual({
          changed: 2,
        })
      })
      expect(events.map((e) => [e.type, e.owner, e.messageId, e.data.version])).toEqual([
        ['message.read', 'bob', a, 2],
        ['message.read', 'bob', b, 2],
      ])
      const item = await t.ph.messages.getItem({ owner: 'bob', id: a! })
      expect(item?.entry).toMatchObject({ readAt, updatedAt: readAt, version: 2 })
      expect((await t.ph.messages.getItem({ owner: 'bob', id: c! }))?.entry.readAt).toBeNull()
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 3, unread: 1 })

      // Already read: nothing changes, no version bump, no event.
      const again = await eventsOf(t.ph, async () => {
        expect(await t.ph.messages.markRead({ owner: 'bob', ids: [a!] })).toEqual({ changed: 0 })
      })
      expect(again).toEqual([])
      expect((await t.ph.messages.getItem({ owner: 'bob', id: a! }))?.entry.version).toBe(2)

      const unread = await eventsOf(t.ph, async () => {
        expect(await t.ph.messages.markUnread({ owner: 'bob', ids: [a!, c!] })).toEqual({
          changed: 1,
        })
      })
      expect(unread.map((e) => [e.type, e.messageId, e.data.version])).toEqual([
        ['message.unread', a, 3],
      ])
      expect((await t.ph.messages.getItem({ owner: 'bob', id: a! }))?.entry).toMatchObject({
        readAt: null,
        version: 3,
      })
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 3, unread: 2 })
    })

    it('marks a whole box in chunks and gets every entry, leaving other boxes alone', async () => {
      await register(t.ph, 'alice', 'bob')
      const ids = await sendToBob(24)
      await t.ph.messages.move({ owner: 'bob', ids: ids.slice(0, 3), to: 'archive' })
      // 21 entries stay in the inbox: exactly three chunks of 7.
      expect(await t.ph.messages.markRead({ owner: 'bob', box: 'inbox' })).toEqual({ changed: 21 })
      expect(await t.ph.boxes.counts('bob')).toMatchObject({
        inbox: { total: 21, unread: 0 },
        archive: { total: 3, unread: 3 },
      })
      const unread = await t.ph.messages.list({ owner: 'bob', box: 'inbox', unread: true })
      expect(unread.items).toEqual([])
      expect(await t.ph.messages.markUnread({ owner: 'bob', box: 'inbox' })).toEqual({
        changed: 21,
      })
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 21, unread: 21 })
      const last = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { last: true } })
      const events = await eventsOf(t.ph, () =>
        t.ph.messages.markRead({ owner: 'bob', box: 'inbox' }),
      )
      // One event per chunk (7, 7, 7, 1), listing its entries in key order (oldest first).
      expect(events.map((e) => [e.type, e.owner, e.messageId, e.data.box, e.data.count])).toEqual([
        ['box.markedRead', 'bob', null, 'inbox', 7],
        ['box.markedRead', 'bob', null, 'inbox', 7],
        ['box.markedRead', 'bob', null, 'inbox', 7],
        ['box.markedRead', 'bob', null, 'inbox', 1],
      ])
      const marked = events.flatMap((e) => e.data.marked as unknown as MarkedEntry[])
      // Read, unread, read again: version 4; the newcomer's first read: version 2.
      expect(marked).toEqual([
        ...ids.slice(3).map((messageId) => ({ messageId, role: 'received', version: 4 })),
        { messageId: last.id, role: 'received', version: 2 },
      ])
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 22, unread: 0 })
      expect(await t.ph.messages.markRead({ owner: 'bob', box: 'archive' })).toEqual({ changed: 3 })
      expect(await t.ph.messages.markRead({ owner: 'bob', box: 'archive' })).toEqual({ changed: 0 })
    })

    it('a message to oneself: marking by id reads the inbox entry; sent entries start read', async () => {
      await register(t.ph, 'alice')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['alice'], content: {} })
      expect(await t.ph.messages.markRead({ owner: 'alice', ids: [id] })).toEqual({ changed: 1 })
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 1, unread: 0 },
        sent: { total: 1, unread: 0 },
      })
    })

    it('an id the owner does not hold fails the whole call and changes nothing', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const [a] = await sendToBob(1)
      const other = await t.ph.messages.send({ from: 'alice', to: ['carol'], content: {} })
      for (const ids of [
        [a!, 'msg_missing'],
        [a!, other.id],
      ]) {
        const error = await expectNothingChanged(
          t,
          ['alice', 'bob', 'carol'],
          () => t.ph.messages.markRead({ owner: 'bob', ids }),
          'not_found',
          { message: /ids: ".+" is not in any box of "bob"/ },
        )
        expect(error.details.missing).toEqual([ids[1]])
      }
      await t.ph.messages.delete({ owner: 'bob', ids: [a!] })
      await expectError(t.ph.messages.markUnread({ owner: 'bob', ids: [a!] }), 'not_found')
    })

    it('refuses ids and box together, neither, and unknown boxes or owners', async () => {
      await register(t.ph, 'alice', 'bob')
      const [a] = await sendToBob(1)
      const owners = ['alice', 'bob']
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.markRead({ owner: 'bob', ids: [a!], box: 'inbox' }),
        'invalid_input',
        { message: /ids: expected either ids .* or box/, field: 'ids' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.markUnread({ owner: 'bob' }),
        'invalid_input',
        { field: 'ids' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.markRead({ owner: 'bob', box: 'archive' }),
        'invalid_input',
        { message: /box: expected one of "inbox", "sent" .*got "archive"/, field: 'box' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.markRead({ owner: 'bob', ids: [] }),
        'invalid_input',
        { message: /ids: expected at least 1 item, got 0 items/, field: 'ids' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.markRead({ owner: 'nobody', box: 'inbox' }),
        'not_found',
        { message: /no account "nobody"/ },
      )
    })
  })
}
