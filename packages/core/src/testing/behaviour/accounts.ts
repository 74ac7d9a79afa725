import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register, summary } from './helpers.js'

export function describeAccounts(options: ConformanceOptions): void {
  describe('accounts', () => {
    const t = useEngine(options)

    it('registers an account with defaults, times from the clock and version 1', async () => {
      const events = await eventsOf(t.ph, async () => {
        const alice = await t.ph.accounts.register({ address: 'alice' })
        expect(alice).toEqual({
          address: 'alice',
          displayName: null,
          consent: 'open',
          createdAt: t.clock.now(),
          updatedAt: t.clock.now(),
          version: 1,
        })
      })
      expect(summary(events)).toEqual(['account.registered alice'])
      const bob = await t.ph.accounts.register({
        address: 'bob@local',
        displayName: 'Bob',
        consent: 'opt-in',
      })
      expect(bob).toMatchObject({ address: 'bob', displayName: 'Bob', consent: 'opt-in' })
      expect(await t.ph.accounts.get('bob')).toEqual(bob)
    })

    it('refuses to register an address twice and changes nothing', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.accounts.register({ address: 'alice@local', displayName: 'Other' }),
        'already_exists',
        { message: /"alice" is already registered/ },
      )
      expect((await t.ph.accounts.get('alice'))?.displayName).toBeNull()
    })

    it('gets an account by address, local or @peer form, and null when unknown', async () => {
      await register(t.ph, 'alice')
      expect((await t.ph.accounts.get('alice'))?.address).toBe('alice')
      expect((await t.ph.accounts.get('alice@local'))?.address).toBe('alice')
      expect(await t.ph.accounts.get('nobody')).toBeNull()
    })

    it('lists accounts in address order, a page at a time', async () => {
      await register(t.ph, 'dave', 'bob', 'erin', 'alice', 'carol')
      const first = await t.ph.accounts.list({ limit: 2 })
      expect(first.items.map((a) => a.address)).toEqual(['alice', 'bob'])
      expect(first.nextCursor).not.toBeNull()
      const second = await t.ph.accounts.list({ limit: 2, cursor: first.nextCursor! })
      expect(second.items.map((a) => a.address)).toEqual(['carol', 'dave'])
      const third = await t.ph.accounts.list({ limit: 2, cursor: second.nextCursor! })
      expect(third.items.map((a) => a.address)).toEqual(['erin'])
      expect(third.nextCursor).toBeNull()
      const all = await t.ph.accounts.list()
      expect(all.items.map((a) => a.address)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin'])
      expect(all.nextCursor).toBeNull()
      expect((await t.ph.accounts.list({ limit: 5 })).nextCursor).toBeNull()
    })

    it('updates display name and consent; version +1 each time, updatedAt from the clock', async () => {
      const created = await t.ph.accounts.register({ address: 'alice' })
      t.clock.tick(10)
      const named = await t.ph.accounts.update({ address: 'alice', displayName: 'Alice' })
      expect(named).toEqual({
        ...created,
        displayName: 'Alice',
        updatedAt: t.clock.now(),
        version: 2,
      })
      t.clock.tick(10)
      const events = await eventsOf(t.ph, async () => {
        const strict = await t.ph.accounts.update({ address: 'alice', consent: 'opt-in' })
        expect(strict).toMatchObject({ displayName: 'Alice', consent: 'opt-in', version: 3 })
      })
      expect(summary(events)).toEqual(['account.updated alice'])
      const cleared = await t.ph.accounts.update({ address: 'alice', displayName: null })
      expect(cleared).toMatchObject({ displayName: null, consent: 'opt-in', version: 4 })
      expect(await t.ph.accounts.get('alice')).toEqual(cleared)
      expect(created.createdAt).toBe(cleared.createdAt)
    })

    it('fails to update an unknown account', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.accounts.update({ address: 'nobody', displayName: 'X' }),
        'not_found',
        { message: /no account "nobody"/ },
      )
    })

    it('removes an account: its entries and counts go, what it sent stays for others', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const fromAlice = await t.ph.messages.send({
        from: 'alice',
        to: ['bob', 'carol'],
        content: { text: 'from alice' },
      })
      const toAlice = await t.ph.messages.send({
        from: 'bob',
        to: ['alice'],
        content: { text: 'to alice' },
      })
      const events = await eventsOf(t.ph, () => t.ph.accounts.remove('alice'))
      expect(summary(events)).toEqual(['account.removed alice'])

      expect(await t.ph.accounts.get('alice')).toBeNull()
      await expectError(t.ph.boxes.counts('alice'), 'not_found')
      await expectError(t.ph.messages.list({ owner: 'alice' }), 'not_found')
      expect(await t.ph.messages.getItem({ owner: 'alice', id: toAlice.id })).toBeNull()
      expect((await t.ph.accounts.list()).items.map((a) => a.address)).toEqual(['bob', 'carol'])

      // What alice sent is still there for bob and carol, and still says it came from her.
      for (const owner of ['bob', 'carol']) {
        const item = await t.ph.messages.getItem({ owner, id: fromAlice.id })
        expect(item?.message).toEqual(fromAlice)
        expect((await t.ph.boxes.counts(owner)).inbox).toEqual({ total: 1, unread: 1 })
      }
      expect(await t.ph.messages.get({ owner: 'bob', id: fromAlice.id })).toEqual(fromAlice)
      // Bob keeps his sent copy of what he sent to alice.
      expect((await t.ph.messages.getItem({ owner: 'bob', id: toAlice.id }))?.entry.box).toBe(
        'sent',
      )
      await expectError(t.ph.accounts.remove('alice'), 'not_found')
      await expectError(
        t.ph.messages.send({ from: 'bob', to: ['alice'], content: {} }),
        'recipient_not_found',
      )
    })

    it('never reuses a removed address: no one can register it again or act as it', async () => {
      await register(t.ph, 'alice', 'bob')
      const keyed = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { text: 'hi' },
        idempotencyKey: 'k1',
      })
      const thread = await t.ph.threads.create({
        subject: 'Plans',
        participants: ['alice', 'bob'],
        createdBy: 'alice',
      })
      await t.ph.accounts.remove('alice')
      const owners = ['bob']

      const error = await expectNothingChanged(
        t,
        owners,
        () => t.ph.accounts.register({ address: 'alice@local' }),
        'already_exists',
        { message: /"alice" belonged to a removed account and is never reused/, field: 'address' },
      )
      expect(error.details).toMatchObject({ removed: true })
      expect(await t.ph.accounts.get('alice')).toBeNull()

      // Nothing answers to the old address: edit, retract, a retried send, a thread send.
      await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.update({
            id: keyed.id,
            by: 'alice',
            content: { text: 'hijacked' },
            expectedVersion: 1,
          }),
        'not_found',
        { message: /by: no account "alice"/, field: 'by' },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.retract({ id: keyed.id, by: 'alice' }),
        'not_found',
        { field: 'by' },
      )
      await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: { text: 'hi' },
            idempotencyKey: 'k1',
          }),
        'not_found',
        { message: /from: no account "alice"/ },
      )
      const batch = await t.ph.messages.sendMany([
        {
          identifier: 'retry',
          from: 'alice',
          to: ['bob'],
          content: { text: 'hi' },
          idempotencyKey: 'k1',
        },
      ])
      expect(batch.items.map((i) => [i.status, i.error?.code])).toEqual([['failed', 'not_found']])
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'alice', threadId: thread.id, content: {} }),
        'not_found',
      )
      await expectError(t.ph.accounts.update({ address: 'alice', displayName: 'A' }), 'not_found')
      await expectError(t.ph.accounts.remove('alice'), 'not_found')
      expect(await t.ph.messages.get({ owner: 'bob', id: keyed.id })).toEqual(keyed)
      // Other addresses register as before.
      await t.ph.accounts.register({ address: 'alice2' })
    })

    it('sending to an unregistered address fails with recipient_not_found and stores nothing', async () => {
      await register(t.ph, 'alice', 'bob')
      const error = await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.messages.send({ from: 'alice', to: ['bob', 'zed'], content: { text: 'hi' } }),
        'recipient_not_found',
        { message: /"zed" is not registered/ },
      )
      expect(error.details.missing).toEqual(['zed'])
    })

    it('a remote address without a transport is not a registered recipient', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.messages.send({ from: 'alice', to: ['bob@elsewhere'], content: {} }),
        'recipient_not_found',
        { message: /"bob@elsewhere"/ },
      )
    })

    it('sending from an unregistered address fails with not_found and stores nothing', async () => {
      await register(t.ph, 'bob')
      await expectNothingChanged(
        t,
        ['bob'],
        () => t.ph.messages.send({ from: 'ghost', to: ['bob'], content: {} }),
        'not_found',
        { message: /from: no account "ghost"/ },
      )
    })
  })
}
