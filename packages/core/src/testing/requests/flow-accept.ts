import { describe, expect, it } from 'vitest'
import type { Content } from '../../types.js'
import { useEngine } from '../behaviour/harness.js'
import { eventsOf, register, summary } from '../behaviour/helpers.js'
import type { ConformanceOptions } from '../options.js'
import { type Decisions, item, sides, statusChanges, steps } from './fixtures.js'

export function describeFlowAccept(options: ConformanceOptions): void {
  describe('requests: the accept flow', () => {
    const t = useEngine(options)

    it('create, send, receive, accept: both sides Completed with the same Response', async () => {
      await register(t.ph, 'alice', 'bob')
      const items = [
        item.auth(),
        item.consent(),
        item.group(item.freeText(), item.auth(false)),
        item.freeText(),
      ]
      const input = { owner: 'alice', peer: 'bob', content: { items, title: 'Welcome' } }

      // canCreate: a tree that mirrors the items and the group.
      expect(await t.ph.requests.canCreate(input)).toEqual({
        isSuccess: true,
        items: [
          { isSuccess: true, items: [] },
          { isSuccess: true, items: [] },
          {
            isSuccess: true,
            items: [
              { isSuccess: true, items: [] },
              { isSuccess: true, items: [] },
            ],
          },
          { isSuccess: true, items: [] },
        ],
      })

      // create: a Draft, nothing sent.
      const createdAt = t.clock.tick(10)
      const events = await eventsOf(t.ph, async () => {
        const draft = await t.ph.requests.create(input)
        const id = t.ids.issued.at(-1)!
        expect(id).toMatch(/^req_/)
        expect(draft).toEqual({
          id,
          owner: 'alice',
          direction: 'outgoing',
          peer: 'bob',
          status: 'Draft',
          content: { '@type': 'Request', id, items, title: 'Welcome' },
          createdAt,
          updatedAt: createdAt,
          expiresAt: null,
          sourceMessageId: null,
          response: null,
          history: [{ from: null, to: 'Draft', at: createdAt }],
          version: 1,
        })
        expect(await t.ph.requests.get({ owner: 'alice', id })).toEqual(draft)
        expect(await t.ph.requests.get({ owner: 'alice', id, direction: 'outgoing' })).toEqual(
          draft,
        )
        expect(await t.ph.requests.get({ owner: 'bob', id })).toBeNull()
        expect((await t.ph.requests.list({ owner: 'alice' })).items).toEqual([draft])
        expect((await t.ph.requests.list({ owner: 'bob' })).items).toEqual([])
      })
      expect(summary(events)).toEqual(['request.statusChanged alice'])
      expect(events[0]!.messageId).toBeNull()
      expect(events[0]!.data).toEqual({
        requestId: t.ids.issued.at(-1),
        direction: 'outgoing',
        oldStatus: null,
        newStatus: 'Draft',
      })
      const draft = (await t.ph.requests.get({ owner: 'alice', id: t.ids.issued.at(-1)! }))!
      const id = draft.id
      expect((await t.ph.boxes.counts('bob')).inbox).toEqual({ total: 0, unread: 0 })

      // send: alice's side Open, bob's incoming ManualDecisionRequired.
      const sentAt = t.clock.tick(10)
      let message: Awaited<ReturnType<typeof t.ph.messages.send>> | undefined
      const sendEvents = await eventsOf(t.ph, async () => {
        message = await t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: draft.content as unknown as Content,
        })
      })
      const m = message!
      expect(m.content).toEqual(draft.content)
      expect(summary(sendEvents)).toEqual([
        'message.sent alice',
        'message.received bob',
        'request.statusChanged alice',
        'request.incomingReceived bob',
        'request.statusChanged bob',
        'request.statusChanged bob',
        'request.statusChanged bob',
      ])
      expect(statusChanges(sendEvents)).toEqual([
        'alice outgoing Draft→Open',
        'bob incoming null→Open',
        'bob incoming Open→DecisionRequired',
        'bob incoming DecisionRequired→ManualDecisionRequired',
      ])
      const received = sendEvents.find((e) => e.type === 'request.incomingReceived')!
      expect({ messageId: received.messageId, data: received.data }).toEqual({
        messageId: m.id,
        data: { requestId: id, peer: 'alice' },
      })
      // Every status change of a sent request names the message that carried it.
      for (const e of sendEvents.filter((e) => e.type === 'request.statusChanged')) {
        expect.soft(e.messageId, `${e.owner} ${e.data.newStatus}`).toBe(m.id)
      }

      const afterSend = await sides(t.ph, id)
      expect(afterSend.outgoing).toEqual({
        ...draft,
        status: 'Open',
        sourceMessageId: m.id,
        updatedAt: sentAt,
        history: [...draft.history, { from: 'Draft', to: 'Open', at: sentAt }],
        version: 2,
      })
      const incoming = afterSend.incoming!
      expect(incoming).toEqual({
        id,
        owner: 'bob',
        direction: 'incoming',
        peer: 'alice',
        status: 'ManualDecisionRequired',
        content: draft.content,
        createdAt: sentAt,
        updatedAt: sentAt,
        expiresAt: null,
        sourceMessageId: m.id,
        response: null,
        history: [
          { from: null, to: 'Open', at: sentAt },
          { from: 'Open', to: 'DecisionRequired', at: sentAt },
          { from: 'DecisionRequired', to: 'ManualDecisionRequired', at: sentAt },
        ],
        version: expect.any(Number),
      })
      // An incoming lookup never returns the outgoing side, and the other way round.
      expect(await t.ph.requests.get({ owner: 'bob', id })).toEqual(incoming)
      expect(await t.ph.requests.get({ owner: 'bob', id, direction: 'outgoing' })).toBeNull()
      expect(await t.ph.requests.get({ owner: 'alice', id, direction: 'incoming' })).toBeNull()
      expect((await t.ph.requests.list({ owner: 'bob' })).items).toEqual([incoming])
      expect((await t.ph.messages.getItem({ owner: 'bob', id: m.id }))?.entry.box).toBe('inbox')

      // canAccept, then accept: Decided, the Response sent, both Completed.
      const decisions: Decisions = [
        { accept: true as const },
        { accept: true as const },
        {
          items: [
            { accept: true as const, freeText: 'Bobby' },
            { accept: false as const, code: 'not_now', message: 'Maybe later' },
          ],
        },
        { accept: false as const },
      ]
      const acceptInput = { owner: 'bob', id, items: decisions }
      expect(await t.ph.requests.canAccept(acceptInput)).toEqual({
        isSuccess: true,
        items: [
          { isSuccess: true, items: [] },
          { isSuccess: true, items: [] },
          {
            isSuccess: true,
            items: [
              { isSuccess: true, items: [] },
              { isSuccess: true, items: [] },
            ],
          },
          { isSuccess: true, items: [] },
        ],
      })
      expect(await sides(t.ph, id)).toEqual(afterSend)

      const acceptedAt = t.clock.tick(10)
      let accepted: Awaited<ReturnType<typeof t.ph.requests.accept>> | undefined
      const acceptEvents = await eventsOf(t.ph, async () => {
        accepted = await t.ph.requests.accept(acceptInput)
      })
      const bobs = accepted!
      const expectedContent = {
        '@type': 'Response',
        requestId: id,
        result: 'Accepted',
        items: [
          { '@type': 'AcceptResponseItem', result: 'Accepted' },
          {
            '@type': 'ConsentAcceptResponseItem',
            result: 'Accepted',
            consent: 'I agree to the terms of service',
            link: 'https://example.com/terms',
            acceptedAt,
          },
          {
            '@type': 'ResponseItemGroup',
            items: [
              { '@type': 'FreeTextAcceptResponseItem', result: 'Accepted', freeText: 'Bobby' },
              {
                '@type': 'RejectResponseItem',
                result: 'Rejected',
                code: 'not_now',
                message: 'Maybe later',
              },
            ],
          },
          { '@type': 'RejectResponseItem', result: 'Rejected' },
        ],
      }
      expect(bobs.status).toBe('Completed')
      expect(bobs.response?.content).toEqual(expectedContent)
      expect(steps(bobs)).toEqual([
        'null→Open',
        'Open→DecisionRequired',
        'DecisionRequired→ManualDecisionRequired',
        'ManualDecisionRequired→Decided',
        'Decided→Completed',
      ])
      expect(bobs.history.slice(3).map((h) => h.at)).toEqual([acceptedAt, acceptedAt])
      expect(bobs.history.every((h) => h.by === undefined)).toBe(true)
      expect(bobs.version).toBeGreaterThan(incoming.version)
      expect(bobs.updatedAt).toBe(acceptedAt)

      // The Response message: from bob to alice, in bob's sent and alice's inbox.
      const responseId = bobs.response!.messageId
      expect(bobs.response).toEqual({
        content: expectedContent,
        messageId: responseId,
        createdAt: acceptedAt,
      })
      const inSent = await t.ph.messages.list({ owner: 'bob', box: 'sent' })
      expect(inSent.items.map((i) => [i.message.id, i.message.from, i.message.to])).toEqual([
        [responseId, 'bob', ['alice']],
      ])
      expect(inSent.items[0]!.message.content).toEqual(expectedContent)
      const inInbox = await t.ph.messages.list({ owner: 'alice', box: 'inbox' })
      expect(inInbox.items.map((i) => i.message.id)).toEqual([responseId])
      expect(inInbox.items[0]!.message.content).toEqual(expectedContent)
      expect(
        (await t.ph.messages.list({ owner: 'alice', type: 'Response' })).items.map(
          (i) => i.message.id,
        ),
      ).toEqual([responseId])

      // Alice's side: Completed with the same response.
      const final = await sides(t.ph, id)
      expect(final.incoming).toEqual(bobs)
      expect(final.outgoing).toEqual({
        ...afterSend.outgoing!,
        status: 'Completed',
        response: bobs.response,
        updatedAt: acceptedAt,
        history: [
          ...afterSend.outgoing!.history,
          { from: 'Open', to: 'Completed', at: acceptedAt },
        ],
        version: 3,
      })

      // The ConsentRequestItem accepted: bob now grants alice consent (consent section).
      expect(summary(acceptEvents)).toEqual([
        'consent.changed bob',
        'request.statusChanged bob',
        'message.sent bob',
        'message.received alice',
        'request.statusChanged bob',
        'request.statusChanged alice',
      ])
      expect(statusChanges(acceptEvents)).toEqual([
        'bob incoming ManualDecisionRequired→Decided',
        'bob incoming Decided→Completed',
        'alice outgoing Open→Completed',
      ])
      expect(acceptEvents[0]!.data).toEqual({
        sender: 'alice',
        state: 'allowed',
        previous: 'unknown',
      })
      expect(await t.ph.consent.check({ sender: 'alice', recipient: 'bob' })).toEqual({
        allowed: true,
        box: 'inbox',
      })
      for (const e of acceptEvents.filter((e) => e.type === 'request.statusChanged')) {
        expect(e.messageId).toBe(m.id)
        expect(e.data.requestId).toBe(id)
      }
      expect(
        acceptEvents.filter((e) => e.type.startsWith('message.')).map((e) => e.messageId),
      ).toEqual([responseId, responseId])

      // Completed is the end: neither side can be decided again.
      expect(await t.ph.requests.canAccept(acceptInput)).toMatchObject({
        isSuccess: false,
        code: 'invalid_transition',
      })
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 1, unread: 0 },
      })
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 1, unread: 0 },
      })
    })

    it('a request with only mustBeAccepted items accepted in full', async () => {
      await register(t.ph, 'alice', 'bob')
      const draft = await t.ph.requests.create({
        owner: 'alice',
        peer: 'bob',
        content: { items: [item.auth()] },
      })
      expect(draft.content).toEqual({ '@type': 'Request', id: draft.id, items: [item.auth()] })
      const m = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: draft.content as unknown as Content,
      })
      const done = await t.ph.requests.accept({
        owner: 'bob',
        id: draft.id,
        items: [{ accept: true }],
      })
      expect(done.response?.content).toEqual({
        '@type': 'Response',
        requestId: draft.id,
        result: 'Accepted',
        items: [{ '@type': 'AcceptResponseItem', result: 'Accepted' }],
      })
      const both = await sides(t.ph, draft.id)
      expect(both.outgoing?.status).toBe('Completed')
      expect(both.outgoing?.sourceMessageId).toBe(m.id)
      expect(both.outgoing?.response).toEqual(done.response)
      expect(both.incoming).toEqual(done)
    })
  })
}
