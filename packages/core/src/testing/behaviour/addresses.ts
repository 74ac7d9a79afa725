import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, expectNothingChanged, register } from './helpers.js'

/** Addresses every part rule allows: they register and come back as given (lower case). */
const valid = ['a', '0', 'a1', 'a.b', 'a_b-c', 'a-b.c_d', 'x'.repeat(128), 'first.last', '1-2_3.4']

export function describeAddresses(options: ConformanceOptions): void {
  describe('addresses: ASCII, case-insensitive, folded to lower case', () => {
    const t = useEngine(options)

    it('registers every well-formed address and returns it as given', async () => {
      for (const address of valid) {
        expect((await t.ph.accounts.register({ address })).address).toBe(address)
        expect((await t.ph.accounts.get(address))?.address).toBe(address)
      }
    })

    it('folds an address to lower case: Alice and alice are one account, stored as alice', async () => {
      const alice = await t.ph.accounts.register({ address: 'Alice' })
      expect(alice.address).toBe('alice')
      expect(await t.ph.accounts.get('ALICE')).toEqual(alice)
      expect(await t.ph.accounts.get('alice@LOCAL')).toEqual(alice)
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.accounts.register({ address: 'alice' }),
        'already_exists',
        { message: /"alice" is already registered/, field: 'address' },
      )
      expect((await t.ph.accounts.list()).items.map((a) => a.address)).toEqual(['alice'])
      const renamed = await t.ph.accounts.update({ address: 'aLiCe', displayName: 'Al' })
      expect(renamed).toMatchObject({ address: 'alice', displayName: 'Al', version: 2 })
    })

    it('folds every address a message method takes', async () => {
      await register(t.ph, 'alice', 'bob')
      const sent = await t.ph.messages.send({
        from: 'ALICE',
        to: ['Bob', 'bob', 'BOB@Local'],
        content: { text: 'hi' },
      })
      expect(sent).toMatchObject({ from: 'alice', to: ['bob'] })
      expect((await t.ph.messages.getItem({ owner: 'BOB', id: sent.id }))?.entry.owner).toBe('bob')
      const listed = await t.ph.messages.list({ owner: 'Bob', from: 'Alice' })
      expect(listed.items.map((i) => i.message.id)).toEqual([sent.id])
      expect((await t.ph.messages.listPage({ owner: 'BOB', from: 'ALICE' })).total).toBe(1)
      expect(await t.ph.boxes.counts('Bob')).toMatchObject({ inbox: { total: 1, unread: 1 } })
      expect((await t.ph.boxes.list('BOB'))[0]).toEqual({ name: 'inbox', total: 1, unread: 1 })
      expect(await t.ph.messages.markRead({ owner: 'Bob', ids: [sent.id] })).toEqual({ changed: 1 })
      expect(await t.ph.messages.markUnread({ owner: 'BOB', box: 'inbox' })).toEqual({ changed: 1 })
      expect(await t.ph.messages.move({ owner: 'bOb', ids: [sent.id], to: 'archive' })).toEqual({
        changed: 1,
      })
      const edited = await t.ph.messages.update({
        id: sent.id,
        by: 'Alice',
        content: { text: 'hello' },
        expectedVersion: 1,
      })
      expect(edited.version).toBe(2)
      expect(await t.ph.messages.delete({ owner: 'BOB', ids: [sent.id] })).toEqual({ changed: 1 })
      const retracted = await t.ph.messages.retract({ id: sent.id, by: 'ALICE@local' })
      expect(retracted.retractedAt).not.toBeNull()
      await expectError(
        t.ph.messages.send({ from: 'alice', to: ['Zed@Elsewhere'], content: {} }),
        'recipient_not_found',
        { message: /"zed@elsewhere" is not registered/ },
      )
    })

    it('folds thread participants, creator, list and close', async () => {
      await register(t.ph, 'alice', 'bob')
      const thread = await t.ph.threads.create({
        subject: 'Plans',
        participants: ['Alice', 'alice', 'BOB'],
        createdBy: 'ALICE',
      })
      expect(thread).toMatchObject({ participants: ['alice', 'bob'], createdBy: 'alice' })
      const reply = await t.ph.messages.send({
        from: 'Bob',
        threadId: thread.id,
        content: { text: 'ok' },
      })
      expect(reply).toMatchObject({ from: 'bob', to: ['alice'] })
      expect((await t.ph.threads.list({ participant: 'BoB' })).items.map((x) => x.id)).toEqual([
        thread.id,
      ])
      const closed = await t.ph.threads.close({ id: thread.id, by: 'BOB' })
      expect(closed.closedAt).not.toBeNull()
    })

    it('removes an account by any casing', async () => {
      await register(t.ph, 'alice')
      await t.ph.accounts.remove('ALICE')
      expect(await t.ph.accounts.get('alice')).toBeNull()
    })
  })
}
