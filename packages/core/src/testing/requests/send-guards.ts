import { describe, expect, it } from 'vitest'
import type { Content } from '../../types.js'
import { useEngine } from '../behaviour/harness.js'
import { type expectError, expectNothingChanged, register } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { draft, expectNoRequestChange, item, openRequest, sides } from './fixtures.js'

export function describeSendGuards(options: ConformanceOptions): void {
  describe('requests: the guards of a Request message', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob', 'carol']

    /** The send fails with `code`, and no message, count, event or request changed. */
    async function refusedSend(
      call: () => Promise<unknown>,
      code: Parameters<typeof expectError>[1],
      expected: { field?: string; message?: RegExp } = {},
    ): Promise<void> {
      await expectNoRequestChange(t, owners, () =>
        expectNothingChanged(t, owners, call, code, expected),
      )
    }

    it('not_found: the content names no outgoing request of the sender', async () => {
      await register(t.ph, ...owners)
      const { draft: sent } = await openRequest(t.ph, [item.auth()])
      const made = await draft(t.ph, [item.auth()])
      const content = { ...(made.content as unknown as Content), id: 'req_nope' }
      await refusedSend(
        () => t.ph.messages.send({ from: 'alice', to: ['bob'], content }),
        'not_found',
        { field: 'content.id' },
      )
      // Bob holds the same id as an incoming request: that is not his to send.
      await refusedSend(
        () =>
          t.ph.messages.send({
            from: 'bob',
            to: ['alice'],
            content: sent.content as unknown as Content,
          }),
        'not_found',
        { field: 'content.id' },
      )
      // Carol's send of alice's Draft: not carol's request either.
      await refusedSend(
        () =>
          t.ph.messages.send({
            from: 'carol',
            to: ['bob'],
            content: made.content as unknown as Content,
          }),
        'not_found',
        { field: 'content.id' },
      )
      expect((await t.ph.requests.get({ owner: 'alice', id: made.id }))?.status).toBe('Draft')
    })

    it('request_peer_mismatch: two recipients, or a recipient who is not the peer', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth()])
      const content = made.content as unknown as Content
      await refusedSend(
        () => t.ph.messages.send({ from: 'alice', to: ['bob', 'carol'], content }),
        'request_peer_mismatch',
      )
      await refusedSend(
        () => t.ph.messages.send({ from: 'alice', to: ['carol'], content }),
        'request_peer_mismatch',
      )
      expect(await t.ph.requests.get({ owner: 'alice', id: made.id })).toEqual(made)
      expect(await t.ph.requests.get({ owner: 'carol', id: made.id })).toBeNull()
    })

    it('request_content_mismatch: the content differs from the stored Draft', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth(), item.freeText()])
      const content = made.content as unknown as Content
      const changed: Content[] = [
        { ...content, title: 'Something else' },
        { ...content, items: [item.auth()] as never },
        { ...content, items: [item.auth(false), item.freeText()] as never },
        { ...content, expiresAt: t.clock.now() + 60_000 },
      ]
      for (const c of changed) {
        await refusedSend(
          () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: c }),
          'request_content_mismatch',
        )
      }
      // The same content with its keys in another order is the same content.
      const reordered = Object.fromEntries(Object.entries(content).reverse()) as Content
      const m = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: reordered })
      expect((await sides(t.ph, made.id)).outgoing?.sourceMessageId).toBe(m.id)
    })

    it('request_expired: a Draft past its expiresAt cannot be sent', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth()], { expiresAt: t.clock.now() + 10 })
      t.clock.tick(11)
      // Nothing read the Draft since it expired: the failed send stores nothing at all.
      await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: made.content as unknown as Content,
          }),
        'request_expired',
      )
      expect((await t.ph.requests.get({ owner: 'alice', id: made.id }))?.status).toBe('Expired')
      // Once stored Expired, sending is still request_expired.
      await refusedSend(
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: made.content as unknown as Content,
          }),
        'request_expired',
      )
      expect(await t.ph.requests.get({ owner: 'bob', id: made.id })).toBeNull()
    })

    it('request_already_sent: a Draft is sent once', async () => {
      await register(t.ph, ...owners)
      const { draft: made } = await openRequest(t.ph, [item.auth()])
      await refusedSend(
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: made.content as unknown as Content,
          }),
        'request_already_sent',
      )
      expect((await t.ph.messages.list({ owner: 'bob' })).items).toHaveLength(1)
    })

    it('the same send with the same idempotencyKey returns the same message and changes nothing', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth()])
      const send = {
        from: 'alice',
        to: ['bob'],
        content: made.content as unknown as Content,
        idempotencyKey: 'request-1',
      }
      const first = await t.ph.messages.send(send)
      const before = await sides(t.ph, made.id)
      expect([before.outgoing?.status, before.incoming?.status]).toEqual([
        'Open',
        'ManualDecisionRequired',
      ])
      const again = await expectNoRequestChange(t, owners, async () => {
        const lastCursor = t.ph.events.lastCursor
        const m = await t.ph.messages.send(send)
        expect(t.ph.events.lastCursor).toBe(lastCursor)
        return m
      })
      expect(again).toEqual(first)
      expect(await sides(t.ph, made.id)).toEqual(before)
    })

    it('sendMany with the same Draft twice: the second item alone fails (request_already_sent)', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth()])
      const content = made.content as unknown as Content
      const result = await t.ph.messages.sendMany([
        { identifier: 'one', from: 'alice', to: ['bob'], content },
        { identifier: 'plain', from: 'carol', to: ['bob'], content: { text: 'hi' } },
        { identifier: 'two', from: 'alice', to: ['bob'], content },
      ])
      expect(result.items.map((i) => [i.identifier, i.status, i.error?.code])).toEqual([
        ['one', 'created', undefined],
        ['plain', 'created', undefined],
        ['two', 'failed', 'request_already_sent'],
      ])
      const both = await sides(t.ph, made.id)
      expect(both.outgoing?.sourceMessageId).toBe(result.items[0]!.message!.id)
      expect(both.incoming?.sourceMessageId).toBe(result.items[0]!.message!.id)
      expect((await t.ph.boxes.counts('bob')).inbox?.total).toBe(2)
    })

    it('a Response sent by messages.send is forbidden, whoever sends it', async () => {
      await register(t.ph, ...owners)
      const { draft: made } = await openRequest(t.ph, [item.auth()])
      const content: Content = {
        '@type': 'Response',
        requestId: made.id,
        result: 'Accepted',
        items: [{ '@type': 'AcceptResponseItem', result: 'Accepted' }],
      }
      await refusedSend(
        () => t.ph.messages.send({ from: 'bob', to: ['alice'], content }),
        'forbidden',
      )
      await refusedSend(
        () => t.ph.messages.send({ from: 'carol', to: ['alice'], content }),
        'forbidden',
      )
      const many = await expectNoRequestChange(t, owners, () =>
        t.ph.messages.sendMany([{ identifier: 'r', from: 'bob', to: ['alice'], content }]),
      )
      expect(many.items.map((i) => [i.status, i.error?.code])).toEqual([['failed', 'forbidden']])
      const both = await sides(t.ph, made.id)
      expect([both.outgoing?.status, both.incoming?.status]).toEqual([
        'Open',
        'ManualDecisionRequired',
      ])
    })

    it('a Request as a broadcast or a system message, or not a valid Request, is invalid_input', async () => {
      await register(t.ph, ...owners)
      const made = await draft(t.ph, [item.auth()])
      const content = made.content as unknown as Content
      await refusedSend(() => t.ph.messages.broadcast({ content }), 'invalid_input', {
        field: 'content',
      })
      await refusedSend(
        () => t.ph.messages.send({ from: null, to: ['bob'], content }),
        'invalid_input',
        {
          field: 'content',
        },
      )
      const { items: _, ...noItems } = content
      await refusedSend(
        () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: noItems }),
        'invalid_input',
      )
      await refusedSend(
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob'],
            content: { ...content, colour: 'red' },
          }),
        'invalid_input',
      )
      const response: Content = {
        '@type': 'Response',
        requestId: made.id,
        result: 'Accepted',
        items: [{ '@type': 'AcceptResponseItem', result: 'Accepted' }],
      }
      await refusedSend(() => t.ph.messages.broadcast({ content: response }), 'invalid_input')
      expect((await t.ph.requests.get({ owner: 'alice', id: made.id }))?.status).toBe('Draft')
    })

    it('messages.update of a Request message, or to Request content, is forbidden', async () => {
      await register(t.ph, ...owners)
      const { draft: made, message } = await openRequest(t.ph, [item.auth()])
      await refusedSend(
        () =>
          t.ph.messages.update({
            id: message.id,
            by: 'alice',
            content: { text: 'never mind' },
            expectedVersion: message.version,
          }),
        'forbidden',
      )
      const plain = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { text: 'hi' },
      })
      const other = await draft(t.ph, [item.auth()])
      await refusedSend(
        () =>
          t.ph.messages.update({
            id: plain.id,
            by: 'alice',
            content: other.content as unknown as Content,
            expectedVersion: plain.version,
          }),
        'forbidden',
      )
      expect((await t.ph.requests.get({ owner: 'alice', id: other.id }))?.status).toBe('Draft')
      expect((await t.ph.requests.get({ owner: 'alice', id: made.id }))?.status).toBe('Open')
    })
  })
}
