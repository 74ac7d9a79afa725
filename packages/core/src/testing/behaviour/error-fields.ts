import { describe, expect, it } from 'vitest'
import type { ErrorCode, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register } from './helpers.js'

/** What a scenario made: alice and bob, one message alice sent bob, and a thread of the two. */
interface Made {
  id: string
  threadId: string
  closedThreadId: string
}

/** A failing call, the code it fails with, the field it must name and its message. */
type FieldCase = [
  label: string,
  call: (ph: Pigeonhole, made: Made) => Promise<unknown>,
  code: ErrorCode,
  field: string,
  message: RegExp,
]

const cases: FieldCase[] = [
  [
    'boxes.counts of an unknown owner names boxes.counts and owner',
    (ph) => ph.boxes.counts('nobody'),
    'not_found',
    'owner',
    /^boxes\.counts: owner: no account "nobody"$/,
  ],
  [
    'boxes.list of an unknown owner',
    (ph) => ph.boxes.list('nobody'),
    'not_found',
    'owner',
    /^boxes\.list: owner: no account "nobody"$/,
  ],
  [
    'messages.list of an unknown owner',
    (ph) => ph.messages.list({ owner: 'nobody' }),
    'not_found',
    'owner',
    /^messages\.list: owner: no account "nobody"$/,
  ],
  [
    'messages.listPage of an unknown owner',
    (ph) => ph.messages.listPage({ owner: 'nobody' }),
    'not_found',
    'owner',
    /^messages\.listPage: owner: no account "nobody"$/,
  ],
  [
    'markRead of an unknown owner',
    (ph, m) => ph.messages.markRead({ owner: 'nobody', ids: [m.id] }),
    'not_found',
    'owner',
    /^messages\.markRead: owner: no account "nobody"$/,
  ],
  [
    'markRead of an id the owner does not have',
    (ph) => ph.messages.markRead({ owner: 'bob', ids: ['msg_missing'] }),
    'not_found',
    'ids',
    /^messages\.markRead: ids: "msg_missing" is not in any box of "bob"$/,
  ],
  [
    'move of an id the owner does not have',
    (ph) => ph.messages.move({ owner: 'bob', ids: ['msg_missing'], to: 'archive' }),
    'not_found',
    'ids',
    /^messages\.move: ids: /,
  ],
  [
    'delete of an id the owner does not have',
    (ph) => ph.messages.delete({ owner: 'bob', ids: ['msg_missing'] }),
    'not_found',
    'ids',
    /^messages\.delete: ids: /,
  ],
  [
    'update of an unknown message',
    (ph) => ph.messages.update({ id: 'msg_missing', by: 'alice', content: {}, expectedVersion: 1 }),
    'not_found',
    'id',
    /^messages\.update: id: no message "msg_missing"$/,
  ],
  [
    'update by someone who did not send it',
    (ph, m) => ph.messages.update({ id: m.id, by: 'bob', content: {}, expectedVersion: 1 }),
    'forbidden',
    'by',
    /^messages\.update: by: only the sender \(alice\) may change message /,
  ],
  [
    'update at a stale version',
    (ph, m) => ph.messages.update({ id: m.id, by: 'alice', content: {}, expectedVersion: 7 }),
    'version_conflict',
    'expectedVersion',
    /^messages\.update: expectedVersion: message ".+" is at version 1, not 7/,
  ],
  [
    'retract of an unknown message',
    (ph) => ph.messages.retract({ id: 'msg_missing', by: 'alice' }),
    'not_found',
    'id',
    /^messages\.retract: id: no message "msg_missing"$/,
  ],
  [
    'retract by someone who did not send it',
    (ph, m) => ph.messages.retract({ id: m.id, by: null }),
    'forbidden',
    'by',
    /^messages\.retract: by: only the sender/,
  ],
  [
    'receipts of an unknown message',
    (ph) => ph.messages.receipts({ owner: 'alice', id: 'msg_missing' }),
    'not_found',
    'id',
    /^messages\.receipts: id: no message "msg_missing"$/,
  ],
  [
    'send from an unknown account',
    (ph) => ph.messages.send({ from: 'nobody', to: ['bob'], content: {} }),
    'not_found',
    'from',
    /^messages\.send: from: no account "nobody"$/,
  ],
  [
    'send to an unknown account',
    (ph) => ph.messages.send({ from: 'alice', to: ['nobody'], content: {} }),
    'recipient_not_found',
    'to',
    /^messages\.send: to: "nobody" is not registered/,
  ],
  [
    'send to an unknown thread',
    (ph) => ph.messages.send({ from: 'alice', threadId: 'thr_missing', content: {} }),
    'not_found',
    'threadId',
    /^messages\.send: threadId: no thread "thr_missing"$/,
  ],
  [
    'send to a closed thread',
    (ph, m) => ph.messages.send({ from: 'alice', threadId: m.closedThreadId, content: {} }),
    'thread_closed',
    'threadId',
    /^messages\.send: threadId: thread ".+" is closed$/,
  ],
  [
    'send to a thread by a non-participant',
    (ph, m) => ph.messages.send({ from: 'carol', threadId: m.threadId, content: {} }),
    'forbidden',
    'from',
    /^messages\.send: from: "carol" is not a participant of thread /,
  ],
  [
    'send with a key used for another message',
    (ph) =>
      ph.messages.send({ from: 'alice', to: ['bob'], content: { other: 1 }, idempotencyKey: 'k' }),
    'idempotency_conflict',
    'idempotencyKey',
    /^messages\.send: idempotencyKey: "k" was used by alice for a different message/,
  ],
  [
    'register a taken address',
    (ph) => ph.accounts.register({ address: 'alice' }),
    'already_exists',
    'address',
    /^accounts\.register: address: "alice" is already registered$/,
  ],
  [
    'update an unknown account',
    (ph) => ph.accounts.update({ address: 'nobody', displayName: 'N' }),
    'not_found',
    'address',
    /^accounts\.update: address: no account "nobody"$/,
  ],
  [
    'update an unknown account with no fields',
    (ph) => ph.accounts.update({ address: 'nobody' }),
    'not_found',
    'address',
    /^accounts\.update: address: no account "nobody"$/,
  ],
  [
    'remove an unknown account',
    (ph) => ph.accounts.remove('nobody'),
    'not_found',
    'address',
    /^accounts\.remove: address: no account "nobody"$/,
  ],
  [
    'create a thread with an unknown participant',
    (ph) => ph.threads.create({ subject: 's', participants: ['alice', 'nobody'] }),
    'recipient_not_found',
    'participants',
    /^threads\.create: participants: "nobody" not registered$/,
  ],
  [
    'close an unknown thread',
    (ph) => ph.threads.close({ id: 'thr_missing', by: 'alice' }),
    'not_found',
    'id',
    /^threads\.close: id: no thread "thr_missing"$/,
  ],
  [
    'close a thread by a non-participant',
    (ph, m) => ph.threads.close({ id: m.threadId, by: 'carol' }),
    'forbidden',
    'by',
    /^threads\.close: by: "carol" is not a participant of thread /,
  ],
  [
    'close a closed thread',
    (ph, m) => ph.threads.close({ id: m.closedThreadId, by: 'alice' }),
    'invalid_transition',
    'id',
    /^threads\.close: id: thread ".+" is already closed$/,
  ],
]

export function describeErrorFields(options: ConformanceOptions): void {
  describe('every error names its method and field', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob', 'carol']

    const scenario = async (): Promise<Made> => {
      await register(t.ph, ...owners)
      const { id } = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: {},
        idempotencyKey: 'k',
      })
      const thread = await t.ph.threads.create({ subject: 'open', participants: ['alice', 'bob'] })
      const closed = await t.ph.threads.create({ subject: 'done', participants: ['alice', 'bob'] })
      await t.ph.threads.close({ id: closed.id, by: 'alice' })
      return { id, threadId: thread.id, closedThreadId: closed.id }
    }

    for (const [label, call, code, field, message] of cases) {
      it(`${label}: ${code} with details.field "${field}"`, async () => {
        const made = await scenario()
        await expectNothingChanged(t, owners, () => call(t.ph, made), code, { message, field })
      })
    }

    it('retracting twice is an invalid_transition naming id', async () => {
      const made = await scenario()
      await t.ph.messages.retract({ id: made.id, by: 'alice' })
      await expectError(t.ph.messages.retract({ id: made.id, by: 'alice' }), 'invalid_transition', {
        message: /^messages\.retract: id: message ".+" was retracted$/,
        field: 'id',
      })
    })

    it('a sendMany item names its field too', async () => {
      await scenario()
      const result = await t.ph.messages.sendMany([
        { identifier: 'a', from: 'nobody', to: ['bob'], content: {} },
        { identifier: 'b', from: 'alice', to: ['nobody'], content: {} },
      ])
      expect(result.items.map((i) => [i.error?.code, i.error?.details.field])).toEqual([
        ['not_found', 'from'],
        ['recipient_not_found', 'to'],
      ])
    })

    it('accounts.update with no fields changes nothing: same version, no event', async () => {
      const created = await t.ph.accounts.register({ address: 'alice', displayName: 'Alice' })
      t.clock.tick(10)
      const events = await eventsOf(t.ph, async () => {
        expect(await t.ph.accounts.update({ address: 'alice' })).toEqual(created)
        expect(await t.ph.accounts.update({ address: 'ALICE@local' })).toEqual(created)
      })
      expect(events).toEqual([])
      expect(await t.ph.accounts.get('alice')).toEqual(created)
    })
  })
}
