import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register, summary } from './helpers.js'

export function describeConsentChanges(options: ConformanceOptions): void {
  describe('consent: grant, revoke, check', () => {
    const t = useEngine(options)

    it('grant and revoke change the state once each, with one consent.changed; repeats change nothing', async () => {
      await register(t.ph, 'alice', 'bob')
      const at = t.clock.tick(7)
      const events = await eventsOf(t.ph, async () => {
        expect(await t.ph.consent.grant({ owner: 'bob', sender: 'alice' })).toEqual({
          owner: 'bob',
          sender: 'alice',
          state: 'allowed',
          previous: 'unknown',
          changed: true,
          moved: 0,
          dropped: 0,
        })
        expect(await t.ph.consent.grant({ owner: 'BOB', sender: 'alice@local' })).toMatchObject({
          state: 'allowed',
          previous: 'allowed',
          changed: false,
        })
        expect(await t.ph.consent.revoke({ owner: 'bob', sender: 'alice' })).toMatchObject({
          state: 'denied',
          previous: 'allowed',
          changed: true,
        })
        expect(await t.ph.consent.revoke({ owner: 'bob', sender: 'alice' })).toMatchObject({
          previous: 'denied',
          changed: false,
        })
        // The system starts allowed: a grant changes nothing, a revoke does.
        expect(await t.ph.consent.grant({ owner: 'bob', sender: 'system' })).toMatchObject({
          previous: 'allowed',
          changed: false,
        })
        expect(await t.ph.consent.revoke({ owner: 'bob', sender: 'system' })).toMatchObject({
          previous: 'allowed',
          changed: true,
        })
      })
      expect(events.map((e) => [e.type, e.owner, e.messageId, e.at, e.data])).toEqual([
        [
          'consent.changed',
          'bob',
          null,
          at,
          { sender: 'alice', state: 'allowed', previous: 'unknown' },
        ],
        [
          'consent.changed',
          'bob',
          null,
          at,
          { sender: 'alice', state: 'denied', previous: 'allowed' },
        ],
        [
          'consent.changed',
          'bob',
          null,
          at,
          { sender: 'system', state: 'denied', previous: 'allowed' },
        ],
      ])
      // The feed has a row per change only.
      const alice = await t.ph.consent.feed({ sender: 'alice' })
      expect(alice.items.map((i) => i.state)).toEqual(['granted', 'revoked'])
      const system = await t.ph.consent.feed({ sender: 'system' })
      expect(system.items).toEqual([{ owner: 'bob', sender: 'system', state: 'revoked', at }])
    })

    it('check: recipient_not_found, not_granted, revoked, and the box a message would land in', async () => {
      await t.ph.accounts.register({ address: 'alice' })
      await t.ph.accounts.register({ address: 'bob', consent: 'opt-in' })
      await t.ph.accounts.register({ address: 'carol', consent: 'requests' })
      const check = (sender: string, recipient: string) => t.ph.consent.check({ sender, recipient })
      expect(await check('alice', 'nobody')).toEqual({
        allowed: false,
        reason: 'recipient_not_found',
      })
      expect(await check('alice', 'bob@elsewhere')).toEqual({
        allowed: false,
        reason: 'recipient_not_found',
      })
      expect(await check('alice', 'bob')).toEqual({ allowed: false, reason: 'not_granted' })
      expect(await check('alice', 'carol')).toEqual({ allowed: true, box: 'requests' })
      expect(await check('bob', 'alice')).toEqual({ allowed: true, box: 'inbox' })
      // A sender need not be registered: services and remote peers are senders too.
      expect(await check('shop@elsewhere', 'alice')).toEqual({ allowed: true, box: 'inbox' })
      await t.ph.consent.revoke({ owner: 'alice', sender: 'bob' })
      expect(await check('bob', 'alice')).toEqual({ allowed: false, reason: 'revoked' })
      await t.ph.consent.grant({ owner: 'bob', sender: 'shop@elsewhere' })
      expect(await check('SHOP@elsewhere', 'bob@local')).toEqual({ allowed: true, box: 'inbox' })
      expect(await check('system', 'bob')).toEqual({ allowed: true, box: 'inbox' })
      await expectError(check('not an address', 'bob'), 'invalid_input', { field: 'sender' })
    })

    it('mode requests: grant moves the waiting entries to inbox, revoke deletes them, with counts and events', async () => {
      await register(t.ph, 'alice', 'bob', 'dave')
      await t.ph.accounts.register({ address: 'carol', consent: 'requests' })
      const a1 = await t.ph.messages.send({ from: 'alice', to: ['carol'], content: { n: 1 } })
      const a2 = await t.ph.messages.send({
        from: 'alice',
        to: ['carol', 'bob'],
        content: { n: 2 },
      })
      const b1 = await t.ph.messages.send({ from: 'bob', to: ['carol'], content: { n: 3 } })
      const d1 = await t.ph.messages.send({ from: 'dave', to: ['carol'], content: { n: 4 } })
      await t.ph.messages.markRead({ owner: 'carol', ids: [a1.id] })
      // One of alice's moved out of requests by hand: a grant leaves it where it is.
      const a3 = await t.ph.messages.send({ from: 'alice', to: ['carol'], content: { n: 5 } })
      await t.ph.messages.move({ owner: 'carol', ids: [a3.id], to: 'later' })
      expect(await t.ph.boxes.counts('carol')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 0, unread: 0 },
        requests: { total: 4, unread: 3 },
        later: { total: 1, unread: 1 },
      })
      const granted = await eventsOf(t.ph, async () => {
        expect(await t.ph.consent.grant({ owner: 'carol', sender: 'alice' })).toMatchObject({
          changed: true,
          moved: 2,
          dropped: 0,
        })
      })
      expect(summary(granted).sort()).toEqual([
        'consent.changed carol',
        'message.moved carol',
        'message.moved carol',
      ])
      const moved = granted.filter((e) => e.type === 'message.moved')
      expect(moved.map((e) => e.messageId).sort()).toEqual([a1.id, a2.id].sort())
      // a1 was marked read before: one change more.
      for (const e of moved) {
        expect(e.data).toEqual({
          role: 'received',
          from: 'requests',
          to: 'inbox',
          version: e.messageId === a1.id ? 3 : 2,
        })
      }
      expect(await t.ph.boxes.counts('carol')).toEqual({
        inbox: { total: 2, unread: 1 },
        sent: { total: 0, unread: 0 },
        requests: { total: 2, unread: 2 },
        later: { total: 1, unread: 1 },
      })
      const a1Item = await t.ph.messages.getItem({ owner: 'carol', id: a1.id })
      expect(a1Item?.entry).toMatchObject({ box: 'inbox', version: 3 })
      expect(a1Item?.entry.readAt).not.toBeNull()
      // bob's copy of a2 is bob's: untouched.
      expect((await t.ph.messages.getItem({ owner: 'bob', id: a2.id }))?.entry).toMatchObject({
        box: 'inbox',
        version: 1,
      })
      // From now on alice goes to carol's inbox.
      const a4 = await t.ph.messages.send({ from: 'alice', to: ['carol'], content: { n: 6 } })
      expect((await t.ph.messages.getItem({ owner: 'carol', id: a4.id }))?.entry.box).toBe('inbox')

      const revoked = await eventsOf(t.ph, async () => {
        expect(await t.ph.consent.revoke({ owner: 'carol', sender: 'bob' })).toMatchObject({
          changed: true,
          moved: 0,
          dropped: 1,
        })
      })
      expect(revoked.map((e) => [e.type, e.messageId, e.data])).toEqual([
        ['consent.changed', null, { sender: 'bob', state: 'denied', previous: 'unknown' }],
        ['message.deleted', b1.id, { role: 'received', box: 'requests', version: 2 }],
      ])
      expect(await t.ph.messages.getItem({ owner: 'carol', id: b1.id })).toBeNull()
      // bob keeps his sent entry; the message stays for him.
      expect((await t.ph.messages.getItem({ owner: 'bob', id: b1.id }))?.entry.box).toBe('sent')
      expect(await t.ph.boxes.counts('carol')).toEqual({
        inbox: { total: 3, unread: 2 },
        sent: { total: 0, unread: 0 },
        requests: { total: 1, unread: 1 },
        later: { total: 1, unread: 1 },
      })
      // Revoking alice (allowed) drops nothing: her messages are in inbox, not waiting.
      expect(await t.ph.consent.revoke({ owner: 'carol', sender: 'alice' })).toMatchObject({
        dropped: 0,
      })
      expect((await t.ph.messages.getItem({ owner: 'carol', id: d1.id }))?.entry.box).toBe(
        'requests',
      )
    })

    it('mode requests: system messages wait only once the system was revoked and granted no more', async () => {
      await t.ph.accounts.register({ address: 'carol', consent: 'requests' })
      const first = await t.ph.messages.send({ from: null, to: ['carol'], content: {} })
      expect((await t.ph.messages.getItem({ owner: 'carol', id: first.id }))?.entry.box).toBe(
        'inbox',
      )
      await t.ph.consent.revoke({ owner: 'carol', sender: 'system' })
      await expectError(
        t.ph.messages.send({ from: null, to: ['carol'], content: {} }),
        'consent_required',
      )
      const b = await t.ph.messages.broadcast({ content: { text: 'news' } })
      expect(await t.ph.messages.getItem({ owner: 'carol', id: b.id })).toBeNull()
      await t.ph.consent.grant({ owner: 'carol', sender: 'system' })
      const again = await t.ph.messages.send({ from: null, to: ['carol'], content: {} })
      expect((await t.ph.messages.getItem({ owner: 'carol', id: again.id }))?.entry.box).toBe(
        'inbox',
      )
    })

    it('refuses an unknown owner, a remote owner, consent to oneself and bad input, changing nothing', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.consent.grant({ owner: 'nobody', sender: 'alice' }),
        'not_found',
        {
          field: 'owner',
          message: /^consent\.grant: owner: no account "nobody"$/,
        },
      )
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.consent.revoke({ owner: 'alice@other', sender: 'bob' }),
        'not_found',
        {
          field: 'owner',
        },
      )
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.consent.revoke({ owner: 'alice', sender: 'alice@local' }),
        'invalid_input',
        {
          field: 'sender',
          message: /^consent\.revoke: sender: expected another address than the owner/,
        },
      )
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.consent.grant({ owner: 'alice', sender: 'no spaces' }),
        'invalid_input',
        {
          field: 'sender',
        },
      )
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.consent.grant({ owner: 'alice', sender: 'bob', extra: 1 } as never),
        'invalid_input',
        {
          field: 'extra',
        },
      )
      expect((await t.ph.consent.feed({ sender: 'alice' })).items).toEqual([])
      expect((await t.ph.consent.feed({ sender: 'bob' })).items).toEqual([])
    })

    it('"system" is a reserved address: accounts.register refuses it', async () => {
      for (const address of ['system', 'SYSTEM', 'system@local']) {
        await expectError(t.ph.accounts.register({ address }), 'invalid_input', {
          field: 'address',
          message: /^accounts\.register: address: "system" is reserved/,
        })
      }
      expect(await t.ph.accounts.get('system')).toBeNull()
      // Like any other name, it may still be part of one.
      await t.ph.accounts.register({ address: 'system-admin' })
    })

    it('accounts.remove drops what the account granted; others keep what they hold about it', async () => {
      await register(t.ph, 'alice', 'bob')
      await t.ph.consent.grant({ owner: 'alice', sender: 'shop' })
      await t.ph.consent.revoke({ owner: 'bob', sender: 'alice' })
      await t.ph.accounts.remove('alice')
      expect((await t.ph.consent.feed({ sender: 'shop' })).items).toEqual([])
      expect((await t.ph.consent.feed({ sender: 'alice' })).items).toMatchObject([
        { owner: 'bob', state: 'revoked' },
      ])
      expect(await t.ph.consent.check({ sender: 'shop', recipient: 'alice' })).toEqual({
        allowed: false,
        reason: 'recipient_not_found',
      })
    })
  })
}
