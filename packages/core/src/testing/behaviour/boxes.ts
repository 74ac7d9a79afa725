import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, register } from './helpers.js'

export function describeBoxes(options: ConformanceOptions): void {
  describe('boxes', () => {
    const t = useEngine(options)

    it('a new account has an empty inbox and sent box', async () => {
      await register(t.ph, 'alice')
      expect(await t.ph.boxes.list('alice')).toEqual([
        { name: 'inbox', total: 0, unread: 0 },
        { name: 'sent', total: 0, unread: 0 },
      ])
      expect(await t.ph.boxes.counts('alice@local')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 0, unread: 0 },
      })
    })

    it('lists inbox, sent, then custom boxes by name, each with total and unread', async () => {
      await register(t.ph, 'alice', 'bob')
      const ids: string[] = []
      for (let i = 0; i < 6; i++) {
        ids.push((await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { i } })).id)
      }
      await t.ph.messages.send({ from: 'bob', to: ['alice'], content: {} })
      await t.ph.messages.markRead({ owner: 'bob', ids: [ids[0]!, ids[3]!] })
      await t.ph.messages.move({ owner: 'bob', ids: [ids[0]!, ids[1]!], to: 'work' })
      await t.ph.messages.move({ owner: 'bob', ids: [ids[2]!], to: 'archive' })
      await t.ph.messages.move({ owner: 'bob', ids: [ids[3]!], to: 'bills' })
      expect(await t.ph.boxes.list('bob')).toEqual([
        { name: 'inbox', total: 2, unread: 2 },
        { name: 'sent', total: 1, unread: 0 },
        { name: 'archive', total: 1, unread: 1 },
        { name: 'bills', total: 1, unread: 0 },
        { name: 'work', total: 2, unread: 1 },
      ])
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 2, unread: 2 },
        sent: { total: 1, unread: 0 },
        archive: { total: 1, unread: 1 },
        bills: { total: 1, unread: 0 },
        work: { total: 2, unread: 1 },
      })
      // Another owner's boxes are their own.
      expect((await t.ph.boxes.list('alice')).map((b) => b.name)).toEqual(['inbox', 'sent'])
    })

    it('a custom box stays once created, even when emptied', async () => {
      await register(t.ph, 'alice', 'bob')
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      await t.ph.messages.move({ owner: 'bob', ids: [id], to: 'later' })
      await t.ph.messages.move({ owner: 'bob', ids: [id], to: 'inbox' })
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 0, unread: 0 },
        later: { total: 0, unread: 0 },
      })
      const page = await t.ph.messages.list({ owner: 'bob', box: 'later' })
      expect(page.items).toEqual([])
    })

    it('fails for unknown and malformed owners', async () => {
      await expectError(t.ph.boxes.list('nobody'), 'not_found', { message: /no account "nobody"/ })
      await expectError(t.ph.boxes.counts('nobody'), 'not_found')
      await expectError(t.ph.boxes.list('not an address'), 'invalid_input', {
        message: /owner: expected an address .*got "not an address"/,
        field: 'owner',
      })
      await expectError(t.ph.boxes.counts(7 as never), 'invalid_input', {
        message: /owner: expected a string, got 7/,
        field: 'owner',
      })
    })
  })
}
