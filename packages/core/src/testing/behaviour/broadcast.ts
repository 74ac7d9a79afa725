import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectNothingChanged, register } from './helpers.js'

export function describeBroadcast(options: ConformanceOptions): void {
  describe('messages.broadcast', () => {
    const t = useEngine(options)

    it('sends a system message to every account in one change with one event', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      t.clock.tick(3)
      let id = ''
      const events = await eventsOf(t.ph, async () => {
        const message = await t.ph.messages.broadcast({ content: { text: 'Welcome, everyone' } })
        expect(message).toMatchObject({
          from: null,
          to: [],
          broadcast: true,
          content: { text: 'Welcome, everyone' },
          createdAt: t.clock.now(),
          version: 1,
        })
        id = message.id
      })
      expect(events.map((e) => [e.type, e.messageId, e.data.recipients])).toEqual([
        ['message.broadcast', id, 3],
      ])
      for (const owner of ['alice', 'bob', 'carol']) {
        const item = await t.ph.messages.getItem({ owner, id })
        expect(item?.entry).toMatchObject({ box: 'inbox', role: 'received', readAt: null })
        expect(item?.entry.createdAt).toBe(t.clock.now())
      }
      expect((await t.ph.boxes.counts('alice')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 2, unread: 2 })
      const receipts = await t.ph.admin.receipts(id)
      expect(receipts.map((r) => r.recipient)).toEqual(['alice', 'bob', 'carol'])
    })

    it('reaches only the accounts registered when it was sent', async () => {
      await register(t.ph, 'alice')
      const message = await t.ph.messages.broadcast({ content: { text: 'early' } })
      await register(t.ph, 'bob')
      expect(await t.ph.messages.getItem({ owner: 'bob', id: message.id })).toBeNull()
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 0, unread: 0 })
    })

    it('entries of a broadcast are ordinary entries: read, move and delete work on them', async () => {
      await register(t.ph, 'alice', 'bob')
      const { id } = await t.ph.messages.broadcast({ content: { text: 'hello' } })
      await t.ph.messages.markRead({ owner: 'alice', ids: [id] })
      await t.ph.messages.move({ owner: 'bob', ids: [id], to: 'notices' })
      expect(await t.ph.boxes.counts('alice')).toMatchObject({ inbox: { total: 1, unread: 0 } })
      expect(await t.ph.boxes.counts('bob')).toMatchObject({
        inbox: { total: 0, unread: 0 },
        notices: { total: 1, unread: 1 },
      })
      await t.ph.messages.delete({ owner: 'alice', ids: [id] })
      expect(await t.ph.messages.getItem({ owner: 'alice', id })).toBeNull()
      expect(await t.ph.messages.getItem({ owner: 'bob', id })).not.toBeNull()
    })

    it('validates its input before writing anything', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.messages.broadcast({ content: { at: new Date(0) } as never }),
        'invalid_input',
        { message: /content: expected JSON \(a Date instance at at is not\)/, field: 'content' },
      )
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.messages.broadcast({ content: {}, to: ['alice'] } as never),
        'invalid_input',
        { message: /to: expected only known fields, got unknown field "to"/, field: 'to' },
      )
    })
  })
}
