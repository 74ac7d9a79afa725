import { describe, expect, it } from 'vitest'
import { type Message, PigeonholeError, type SendPolicy } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register } from './helpers.js'

/** Refuses any message to an address that muted its sender; counts its calls. */
function muteList(muted: Record<string, string[]>): SendPolicy & { calls: number } {
  return {
    name: 'mute-list',
    calls: 0,
    judge(batch, verdicts) {
      this.calls += 1
      for (const item of batch.items) {
        for (const to of item.to) {
          if (item.from !== null && muted[to]?.includes(item.from)) {
            verdicts.refuse(item, {
              code: 'muted',
              message: `${to} muted ${item.from}`,
              recipient: to,
            })
          }
        }
      }
    },
  }
}

export function describePolicies(options: ConformanceOptions): void {
  describe('send policies', () => {
    const t = useEngine(options)

    it('a host policy refusing one recipient of three refuses the whole send', async () => {
      const e = await t.open({ policies: [muteList({ carol: ['alice'] })] })
      await register(e.ph, 'alice', 'bob', 'carol', 'dave')
      const error = await expectNothingChanged(
        e,
        ['alice', 'bob', 'carol', 'dave'],
        () => e.ph.messages.send({ from: 'alice', to: ['bob', 'carol', 'dave'], content: {} }),
        'refused',
        { message: /^messages\.send: refused by policy "mute-list": carol muted alice$/ },
      )
      expect(error.details).toEqual({
        field: 'to',
        recipient: 'carol',
        policy: 'mute-list',
        code: 'muted',
      })
      // Others are not affected.
      await e.ph.messages.send({ from: 'bob', to: ['carol'], content: {} })
      expect((await e.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
    })

    it('a policy that throws rolls the send back, and its error reaches the caller', async () => {
      // A code like a SQLSTATE (serialization failure): still not retried, not wrapped.
      const boom = Object.assign(new Error('policy store unreachable'), { code: '40001' })
      let calls = 0
      const e = await t.open({
        policies: [
          {
            name: 'flaky',
            async judge() {
              calls += 1
              await Promise.resolve()
              throw boom
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob')
      const before = e.ids.issued.length
      await expect(
        e.ph.messages.send({ from: 'alice', to: ['bob'], content: {}, idempotencyKey: 'k' }),
      ).rejects.toBe(boom)
      await expect(
        e.ph.messages.sendMany([{ identifier: 'a', from: 'alice', to: ['bob'], content: {} }]),
      ).rejects.toBe(boom)
      await expect(e.ph.messages.broadcast({ content: {} })).rejects.toBe(boom)
      expect(calls).toBe(3)
      for (const id of e.ids.issued.slice(before))
        expect(await e.ph.admin.getMessage(id)).toBeNull()
      for (const owner of ['alice', 'bob']) {
        expect((await e.ph.messages.list({ owner })).items).toEqual([])
        expect(await e.ph.boxes.counts(owner)).toMatchObject({
          inbox: { total: 0, unread: 0 },
          sent: { total: 0, unread: 0 },
        })
      }
    })

    it('a policy may route a recipient to another box; counts follow', async () => {
      const e = await t.open({
        policies: [
          {
            name: 'strangers-to-requests',
            async judge(batch, verdicts) {
              // One read for the batch: who has written to whom before.
              const pairs = batch.items.flatMap((item) =>
                item.from === null ? [] : item.to.map((to) => ({ item, from: to, to: item.from! })),
              )
              const replied = await batch.reader.haveSent(pairs)
              pairs.forEach((p, i) => {
                if (!replied[i]) verdicts.route(p.item, p.from, 'requests')
              })
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob', 'carol')
      await e.ph.messages.send({ from: 'bob', to: ['alice'], content: { text: 'hi' } })
      let m: Message | undefined
      const events = await eventsOf(e.ph, async () => {
        m = await e.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: {} })
      })
      if (!m) throw new Error('the send returned nothing')
      // A routed entry's event names its box; one in the inbox says nothing more than before.
      expect(
        events.filter((ev) => ev.type === 'message.received').map((ev) => [ev.owner, ev.data]),
      ).toEqual([
        ['bob', { role: 'received', from: 'alice' }],
        ['carol', { role: 'received', from: 'alice', box: 'requests' }],
      ])
      expect((await e.ph.messages.getItem({ owner: 'bob', id: m.id }))?.entry.box).toBe('inbox')
      expect((await e.ph.messages.getItem({ owner: 'carol', id: m.id }))?.entry.box).toBe(
        'requests',
      )
      expect(await e.ph.boxes.counts('carol')).toMatchObject({
        inbox: { total: 0, unread: 0 },
        requests: { total: 1, unread: 1 },
      })
      expect(m.to).toEqual(['bob', 'carol'])
      expect(await e.ph.verify()).toEqual([])
    })

    it('a route to "sent" or to a non-recipient is a bug of the policy: nothing is written', async () => {
      const e = await t.open({
        policies: [{ name: 'bad-route', judge: (b, v) => v.route(b.items[0]!, 'bob', 'sent') }],
      })
      await register(e.ph, 'alice', 'bob')
      await expectNothingChanged(
        e,
        ['alice', 'bob'],
        () => e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} }),
        'invalid_input',
        { message: /policy "bad-route": route:/, field: 'policies' },
      )
    })

    it('in sendMany, policies judge items one by one, in one call per batch', async () => {
      const policy = muteList({ carol: ['alice'] })
      const e = await t.open({ policies: [policy] })
      await register(e.ph, 'alice', 'bob', 'carol')
      const result = await e.ph.messages.sendMany([
        { identifier: 'a', from: 'alice', to: ['bob'], content: {} },
        { identifier: 'b', from: 'alice', to: ['bob', 'carol'], content: {} },
        { identifier: 'c', from: 'bob', to: ['carol'], content: {} },
        { identifier: 'd', from: 'alice', to: ['nobody'], content: {} },
      ])
      expect(policy.calls).toBe(1)
      expect(result.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual([
        ['a', 'created', undefined],
        ['b', 'failed', 'refused'],
        ['c', 'created', undefined],
        ['d', 'failed', 'recipient_not_found'],
      ])
      expect(result.items[1]!.error?.details).toMatchObject({ policy: 'mute-list', code: 'muted' })
      expect((await e.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await e.ph.boxes.counts('bob')).inbox).toEqual({ total: 1, unread: 1 })
    })

    it('host policies see only what the built-in steps allowed, with the resolved thread', async () => {
      const seen: string[] = []
      const e = await t.open({
        policies: [
          {
            name: 'spy',
            judge(batch) {
              for (const item of batch.items) {
                seen.push(
                  `${item.from}>${item.to.join(',')}:${item.thread?.participants.join(',')}`,
                )
              }
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob', 'carol')
      const thread = await e.ph.threads.create({ subject: 's', participants: ['alice', 'bob'] })
      await e.ph.messages.sendMany([
        { identifier: 'a', from: 'alice', threadId: thread.id, content: {} },
        { identifier: 'b', from: 'carol', threadId: thread.id, content: {} },
      ])
      expect(seen).toEqual(['alice>bob:alice,bob'])
    })

    it('a partial policy leaves a refused recipient out and sends to the others', async () => {
      const e = await t.open({ policies: [{ ...muteList({ carol: ['alice'] }), partial: true }] })
      await register(e.ph, 'alice', 'bob', 'carol')
      const m = await e.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content: {} })
      expect(m.to).toEqual(['bob'])
      expect(await e.ph.messages.getItem({ owner: 'carol', id: m.id })).toBeNull()
      expect((await e.ph.messages.getItem({ owner: 'alice', id: m.id }))?.message.to).toEqual([
        'bob',
      ])
      // With no recipient left, the send is refused.
      await expectNothingChanged(
        e,
        ['alice', 'carol'],
        () => e.ph.messages.send({ from: 'alice', to: ['carol'], content: {} }),
        'refused',
      )
    })

    it('broadcast: a SQL condition narrows who gets it; other steps judge it as a whole', async () => {
      let asked = 0
      const e = await t.open({
        policies: [
          {
            name: 'no-opt-in',
            judge: () => {},
            broadcastCondition: (eb) => eb('consent', '!=', 'opt-in'),
          },
          {
            name: 'no-shouting',
            judge(batch, verdicts) {
              for (const item of batch.items) {
                asked += 1
                expect(item).toMatchObject({ broadcast: true, from: null, to: [] })
                if (item.content.text === 'LOUD') {
                  verdicts.refuse(item, { code: 'shouting', message: 'no shouting' })
                }
              }
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob')
      await e.ph.accounts.register({ address: 'carol', consent: 'opt-in' })
      const m = await e.ph.messages.broadcast({ content: { text: 'quiet' } })
      expect((await e.ph.admin.receipts(m.id)).map((r) => r.recipient)).toEqual(['alice', 'bob'])
      expect((await e.ph.boxes.counts('carol')).inbox).toEqual({ total: 0, unread: 0 })
      const error = await expectNothingChanged(
        e,
        ['alice', 'bob', 'carol'],
        () => e.ph.messages.broadcast({ content: { text: 'LOUD' } }),
        'refused',
        { message: /^messages\.broadcast: refused by policy "no-shouting": no shouting$/ },
      )
      expect(error.details).toEqual({ policy: 'no-shouting', code: 'shouting' })
      expect(asked).toBe(2)
    })

    it('a policy may refuse with an engine error of its own choosing', async () => {
      const e = await t.open({
        policies: [
          {
            name: 'consent-ish',
            judge(batch, verdicts) {
              for (const item of batch.items) {
                verdicts.refuse(item, new PigeonholeError('consent_required', 'to: ask first'))
              }
            },
          },
        ],
      })
      await register(e.ph, 'alice', 'bob')
      await expectError(
        e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} }),
        'consent_required',
        { message: /^messages\.send: to: ask first$/ },
      )
    })

    it('the reader looks accounts and participants up in the send transaction', async () => {
      const e = await t.open({
        policies: [
          {
            name: 'only-open-accounts',
            async judge(batch, verdicts) {
              const accounts = await batch.reader.accounts(batch.items.flatMap((i) => i.to))
              const threads = await batch.reader.participants(['thr_unknown'])
              expect(threads.size).toBe(0)
              for (const item of batch.items) {
                for (const to of item.to) {
                  if (accounts.get(to)?.consent !== 'open') {
                    verdicts.refuse(item, {
                      code: 'closed',
                      message: `${to} is not open`,
                      recipient: to,
                    })
                  }
                }
              }
            },
          },
        ],
      })
      await e.ph.accounts.register({ address: 'alice', consent: 'opt-in' })
      await e.ph.accounts.register({ address: 'bob', consent: 'open' })
      await e.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      // Past the built-in consent step (alice is opt-in), so the host policy is what refuses.
      await e.ph.consent.grant({ owner: 'alice', sender: 'bob' })
      await expectError(
        e.ph.messages.send({ from: 'bob', to: ['alice'], content: {} }),
        'refused',
        { field: 'to' },
      )
    })

    it('the built-in steps still run first, with their own codes', async () => {
      const e = await t.open({ policies: [muteList({})] })
      await register(e.ph, 'alice')
      await expectError(
        e.ph.messages.send({ from: 'alice', to: ['nobody'], content: {} }),
        'recipient_not_found',
        { field: 'to' },
      )
    })

    it('openPigeonhole refuses a policy without a name or judge', async () => {
      await expectError(t.open({ policies: [{ name: '', judge: () => {} }] }), 'invalid_input', {
        message: /policies\[0\]: expected a policy/,
      })
    })
  })
}
