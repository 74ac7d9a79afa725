import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectNothingChanged, expectNothingStored, register, snapshot } from './helpers.js'

export function describeIdempotency(options: ConformanceOptions): void {
  describe('idempotency', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob', 'carol']

    it('the same sender, key and payload return the original message and store nothing', async () => {
      await register(t.ph, ...owners)
      const send = {
        from: 'alice',
        to: ['bob', 'carol'],
        content: { subject: 'Hi', text: 'once' },
        idempotencyKey: 'k-1',
      }
      const original = await t.ph.messages.send(send)
      expect(original.idempotencyKey).toBe('k-1')
      const before = await snapshot(t.ph, owners)
      t.clock.tick(1000)
      expect(await t.ph.messages.send(send)).toEqual(original)
      // Same payload with keys in another order and recipients as name@local.
      const again = await t.ph.messages.send({
        idempotencyKey: 'k-1',
        content: { text: 'once', subject: 'Hi' },
        to: ['bob@local', 'carol'],
        from: 'alice@local',
      })
      expect(again).toEqual(original)
      expect(await snapshot(t.ph, owners)).toEqual(before)
      await expectNothingStored(t.ph, t.ids.issued.slice(1))
    })

    it('a retry naming the recipients in another order is the same send', async () => {
      await register(t.ph, ...owners)
      const send = { from: 'alice', content: { text: 'once' }, idempotencyKey: 'k-order' }
      const original = await t.ph.messages.send({ ...send, to: ['bob', 'carol'] })
      const before = await snapshot(t.ph, owners)
      expect(await t.ph.messages.send({ ...send, to: ['carol', 'bob'] })).toEqual(original)
      expect(await snapshot(t.ph, owners)).toEqual(before)
    })

    it('the same key with a different payload is an idempotency_conflict', async () => {
      await register(t.ph, ...owners)
      const original = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { text: 'one' },
        idempotencyKey: 'k-1',
      })
      for (const changed of [
        { to: ['bob'], content: { text: 'two' } },
        { to: ['carol'], content: { text: 'one' } },
        { to: ['bob'], content: { text: 'one' }, attachments: ['fil_1'] },
      ]) {
        const error = await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.send({ from: 'alice', idempotencyKey: 'k-1', ...changed }),
          'idempotency_conflict',
          { message: /idempotencyKey: "k-1" was used by alice for a different message/ },
        )
        expect(error.details).toMatchObject({ idempotencyKey: 'k-1', messageId: original.id })
      }
    })

    it('the key is per sender: another sender, or the system, may use it too', async () => {
      await register(t.ph, ...owners)
      const send = { to: ['carol'], content: { text: 'same' }, idempotencyKey: 'shared' }
      const fromAlice = await t.ph.messages.send({ from: 'alice', ...send })
      const fromBob = await t.ph.messages.send({ from: 'bob', ...send })
      const fromSystem = await t.ph.messages.send({ from: null, ...send })
      expect(new Set([fromAlice.id, fromBob.id, fromSystem.id]).size).toBe(3)
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 3, unread: 3 })
      expect(await t.ph.messages.send({ from: null, ...send })).toEqual(fromSystem)
    })

    it('works in sendMany, against earlier sends and within one batch', async () => {
      await register(t.ph, ...owners)
      const earlier = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { n: 1 },
        idempotencyKey: 'a-1',
      })
      const result = await t.ph.messages.sendMany([
        {
          identifier: 'retry',
          from: 'alice',
          to: ['bob'],
          content: { n: 1 },
          idempotencyKey: 'a-1',
        },
        {
          identifier: 'clash',
          from: 'alice',
          to: ['bob'],
          content: { n: 9 },
          idempotencyKey: 'a-1',
        },
        {
          identifier: 'new',
          from: 'alice',
          to: ['carol'],
          content: { n: 2 },
          idempotencyKey: 'a-2',
        },
        {
          identifier: 'twice',
          from: 'alice',
          to: ['carol'],
          content: { n: 2 },
          idempotencyKey: 'a-2',
        },
        {
          identifier: 'inner',
          from: 'alice',
          to: ['carol'],
          content: { n: 3 },
          idempotencyKey: 'a-2',
        },
        { identifier: 'bob', from: 'bob', to: ['carol'], content: { n: 2 }, idempotencyKey: 'a-2' },
      ])
      expect(result.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual([
        ['retry', 'duplicate', undefined],
        ['clash', 'failed', 'idempotency_conflict'],
        ['new', 'created', undefined],
        ['twice', 'duplicate', undefined],
        ['inner', 'failed', 'idempotency_conflict'],
        ['bob', 'created', undefined],
      ])
      expect({
        created: result.created,
        duplicates: result.duplicates,
        failed: result.failed,
      }).toEqual({ created: 2, duplicates: 2, failed: 2 })
      const [retry, , created, twice, , fromBob] = result.items
      expect(retry!.message).toEqual(earlier)
      expect(twice!.message).toEqual(created!.message)
      expect(fromBob!.message!.id).not.toBe(created!.message!.id)
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 2, unread: 2 })
      expect((await t.ph.boxes.counts('alice')).sent).toEqual({ total: 2, unread: 0 })
      // A later single send with the batch's key and payload is a retry too.
      const retried = await t.ph.messages.send({
        from: 'alice',
        to: ['carol'],
        content: { n: 2 },
        idempotencyKey: 'a-2',
      })
      expect(retried).toEqual(created!.message)
    })

    it('works for broadcast: the same key returns the original, another payload conflicts', async () => {
      await register(t.ph, ...owners)
      const original = await t.ph.messages.broadcast({ content: { n: 1 }, idempotencyKey: 'b-1' })
      const before = await snapshot(t.ph, owners)
      expect(await t.ph.messages.broadcast({ content: { n: 1 }, idempotencyKey: 'b-1' })).toEqual(
        original,
      )
      expect(await snapshot(t.ph, owners)).toEqual(before)
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.broadcast({ content: { n: 2 }, idempotencyKey: 'b-1' }),
        'idempotency_conflict',
        { message: /idempotencyKey: "b-1" was used for a different message/ },
      )
    })
  })
}
