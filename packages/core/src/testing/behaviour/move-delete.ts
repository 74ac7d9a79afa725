import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register } from './helpers.js'

export function describeMoveDelete(options: ConformanceOptions): void {
  describe('messages.move and delete', () => {
    const t = useEngine(options)

    async function sendToBob(n: number): Promise<string[]> {
      const ids: string[] = []
      for (let i = 0; i < n; i++) {
        ids.push((await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })).id)
      }
      return ids
    }

    it('moves entries to a custom box created on first use; counts follow, version +1', async () => {
      await register(t.ph, 'alice', 'bob')
      const [a, b, c] = await sendToBob(3)
      await t.ph.messages.markRead({ owner: 'bob', ids: [a!] })
      const movedAt = t.clock.tick(7)
      const events = await eventsOf(t.ph, async () => {
        expect(await t.ph.messages.move({ owner: 'bob', ids: [a!, b!], to: 'zeta' })).toEqual({
          changed: 2,
        })
      })
      expect(events.map((e) => [e.type, e.owner, e.messageId, e.data])).toEqual([
        ['message.moved', 'bob', a, { role: 'received', from: 'inbox', to: 'zeta', version: 3 }],
        ['message.moved', 'bob', b, { role: 'received', from: 'inbox', to: 'zeta', version: 2 }],
      ])
      expect((await t.ph.messages.getItem({ owner: 'bob', id: b! }))?.entry).toMatchObject({
        box: 'zeta',
        version: 2,
        updatedAt: movedAt,
        readAt: null,
      })
      await t.ph.messages.move({ owner: 'bob', ids: [c!], to: 'archive' })
      expect(await t.ph.boxes.list('bob')).toEqual([
        { name: 'inbox', total: 0, unread: 0 },
        { name: 'sent', total: 0, unread: 0 },
        { name: 'archive', total: 1, unread: 1 },
        { name: 'zeta', total: 2, unread: 1 },
      ])
      // Back to the inbox; moving into the box an entry is already in changes nothing.
      expect(await t.ph.messages.move({ owner: 'bob', ids: [a!], to: 'inbox' })).toEqual({
        changed: 1,
      })
      expect(await t.ph.messages.move({ owner: 'bob', ids: [a!], to: 'inbox' })).toEqual({
        changed: 0,
      })
      expect((await t.ph.messages.getItem({ owner: 'bob', id: a! }))?.entry.version).toBe(4)
      // Alice's side is untouched.
      expect((await t.ph.messages.getItem({ owner: 'alice', id: a! }))?.entry.box).toBe('sent')
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 3, unread: 0 },
      })
    })

    it('moves only the entries of the `from` box when given (a message to oneself has two)', async () => {
      await register(t.ph, 'alice')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['alice'], content: {} })
      expect(
        await t.ph.messages.move({ owner: 'alice', ids: [id], from: 'inbox', to: 'keep' }),
      ).toEqual({ changed: 1 })
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 1, unread: 0 },
        keep: { total: 1, unread: 1 },
      })
    })

    it('refuses to move what the owner does not hold, or to a malformed box name', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const [a] = await sendToBob(1)
      const owners = ['alice', 'bob', 'carol']
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.move({ owner: 'carol', ids: [a!], to: 'archive' }),
        'not_found',
        { message: /not in any box of "carol"/ },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.move({ owner: 'bob', ids: [a!, 'msg_missing'], to: 'archive' }),
        'not_found',
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.move({ owner: 'bob', ids: [a!], to: 'Not A Box' }),
        'invalid_input',
        { message: /to: expected a box name .*got "Not A Box"/, field: 'to' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.move({ owner: 'bob', ids: [a!], from: 'nowhere', to: 'archive' }),
        'invalid_input',
        { message: /from: expected one of "inbox", "sent" .*got "nowhere"/, field: 'from' },
      )
      expect((await t.ph.boxes.list('bob')).map((b) => b.name)).toEqual(['inbox', 'sent'])
    })

    it('deletes from the owner’s boxes only: others still have it', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const m = await t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: { x: 1 } })
      const events = await eventsOf(t.ph, async () => {
        expect(await t.ph.messages.delete({ owner: 'bob', ids: [m.id] })).toEqual({ changed: 1 })
      })
      expect(events.map((e) => [e.type, e.owner, e.messageId, e.data])).toEqual([
        ['message.deleted', 'bob', m.id, { role: 'received', box: 'inbox', version: 2 }],
      ])
      expect(await t.ph.messages.getItem({ owner: 'bob', id: m.id })).toBeNull()
      expect((await t.ph.messages.list({ owner: 'bob' })).items).toEqual([])
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 0, unread: 0 })
      expect((await t.ph.messages.getItem({ owner: 'carol', id: m.id }))?.message).toEqual(m)
      expect((await t.ph.messages.getItem({ owner: 'alice', id: m.id }))?.entry.box).toBe('sent')
      expect(await t.ph.messages.get({ owner: 'carol', id: m.id })).toEqual(m)
      // The sender deleting its sent copy takes nothing from the recipients either.
      await t.ph.messages.delete({ owner: 'alice', ids: [m.id] })
      expect((await t.ph.boxes.counts('alice')).sent).toEqual({ total: 0, unread: 0 })
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
      await expectError(t.ph.messages.delete({ owner: 'bob', ids: [m.id] }), 'not_found')
    })

    it('deletes only the entry of the given box', async () => {
      await register(t.ph, 'alice')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['alice'], content: {} })
      expect(await t.ph.messages.delete({ owner: 'alice', ids: [id], box: 'sent' })).toEqual({
        changed: 1,
      })
      expect((await t.ph.messages.getItem({ owner: 'alice', id }))?.entry.box).toBe('inbox')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.messages.delete({ owner: 'alice', ids: [id], box: 'sent' }),
        'not_found',
        { message: /not in box "sent" of "alice"/ },
      )
    })

    it('an unknown id fails the whole delete and changes nothing', async () => {
      await register(t.ph, 'alice', 'bob')
      const [a] = await sendToBob(1)
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.messages.delete({ owner: 'bob', ids: [a!, 'msg_missing'] }),
        'not_found',
      )
    })
  })
}
