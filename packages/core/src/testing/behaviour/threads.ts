import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { eventsOf, expectError, expectNothingChanged, register, summary } from './helpers.js'

export function describeThreads(options: ConformanceOptions): void {
  describe('threads', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob', 'carol', 'dave']

    async function plans() {
      await register(t.ph, ...owners)
      return t.ph.threads.create({
        subject: 'Plans',
        participants: ['carol', 'alice', 'bob@local', 'alice'],
        createdBy: 'alice',
      })
    }

    it('creates a thread with subject and participants; get returns it', async () => {
      await register(t.ph, ...owners)
      const at = t.clock.tick(4)
      const events = await eventsOf(t.ph, async () => {
        const thread = await t.ph.threads.create({
          subject: 'Plans',
          participants: ['carol', 'alice', 'bob@local', 'alice'],
          createdBy: 'alice',
        })
        expect(thread).toEqual({
          id: t.ids.issued.at(-1),
          subject: 'Plans',
          participants: ['alice', 'bob', 'carol'],
          createdBy: 'alice',
          createdAt: at,
          updatedAt: at,
          closedAt: null,
          version: 1,
        })
        expect(thread.id.startsWith('thr_')).toBe(true)
        expect(await t.ph.threads.get({ participant: 'bob', id: thread.id })).toEqual(thread)
      })
      expect(summary(events)).toEqual(['thread.created'])
      expect(await t.ph.threads.get({ participant: 'alice', id: 'thr_missing' })).toBeNull()
      const system = await t.ph.threads.create({ subject: 'Ops', participants: ['dave'] })
      expect(system.createdBy).toBeNull()
    })

    it('refuses unregistered participants and a creator who is not a participant', async () => {
      await register(t.ph, 'alice', 'bob')
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.threads.create({ subject: 'x', participants: ['alice', 'zed'] }),
        'recipient_not_found',
        { message: /participants: "zed" not registered/ },
      )
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.threads.create({ subject: 'x', participants: ['alice'], createdBy: 'bob' }),
        'invalid_input',
        { message: /createdBy: expected one of the participants, got "bob"/, field: 'createdBy' },
      )
      await expectNothingChanged(
        t,
        ['alice', 'bob'],
        () => t.ph.threads.create({ subject: 'x', participants: [] }),
        'invalid_input',
        { message: /participants: expected at least 1 item, got 0 items/, field: 'participants' },
      )
    })

    it('lists a participant’s threads newest first, a page at a time, open or closed', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const made = []
      for (let i = 0; i < 5; i++) {
        t.clock.tick()
        const participants = i === 2 ? ['bob', 'carol'] : ['alice', 'bob']
        made.push(await t.ph.threads.create({ subject: `t${i}`, participants }))
      }
      await t.ph.threads.close({ id: made[1]!.id, by: 'alice' })
      const first = await t.ph.threads.list({ participant: 'alice', limit: 2 })
      expect(first.items.map((x) => x.subject)).toEqual(['t4', 't3'])
      const second = await t.ph.threads.list({
        participant: 'alice',
        limit: 2,
        cursor: first.nextCursor!,
      })
      expect(second.items.map((x) => x.subject)).toEqual(['t1', 't0'])
      expect(second.nextCursor).toBeNull()
      expect(second.items[0]!.participants).toEqual(['alice', 'bob'])
      const open = await t.ph.threads.list({ participant: 'alice', closed: false })
      expect(open.items.map((x) => x.subject)).toEqual(['t4', 't3', 't0'])
      const closed = await t.ph.threads.list({ participant: 'alice', closed: true })
      expect(closed.items.map((x) => x.subject)).toEqual(['t1'])
      const bobs = await t.ph.threads.list({ participant: 'bob' })
      expect(bobs.items).toHaveLength(5)
      await expectError(t.ph.threads.list({ participant: 'nobody' }), 'not_found', {
        message: /no account "nobody"/,
      })
    })

    it('a message naming a thread without `to` goes to the other participants', async () => {
      const thread = await plans()
      const m = await t.ph.messages.send({ from: 'bob', threadId: thread.id, content: { t: 1 } })
      expect(m.threadId).toBe(thread.id)
      expect([...m.to].sort()).toEqual(['alice', 'carol'])
      expect((await t.ph.boxes.counts('alice')).inbox).toEqual({ total: 1, unread: 1 })
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 1, unread: 0 },
      })
      expect(await t.ph.messages.getItem({ owner: 'dave', id: m.id })).toBeNull()
      const system = await t.ph.messages.send({ from: null, threadId: thread.id, content: {} })
      expect([...system.to].sort()).toEqual(['alice', 'bob', 'carol'])
      const inThread = await t.ph.messages.list({ owner: 'alice', threadId: thread.id })
      expect(inThread.items.map((i) => i.message.id)).toEqual([system.id, m.id])
    })

    it('a non-participant sender is forbidden; an unknown thread is not_found', async () => {
      const thread = await plans()
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'dave', threadId: thread.id, content: {} }),
        'forbidden',
        { message: /from: "dave" is not a participant/ },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'alice', to: ['bob'], threadId: 'thr_nope', content: {} }),
        'not_found',
        { message: /threadId: no thread "thr_nope"/ },
      )
    })

    it('a threaded send with `to` may name participants only: others are forbidden, nothing stored', async () => {
      const thread = await plans()
      const error = await expectNothingChanged(
        t,
        owners,
        () =>
          t.ph.messages.send({
            from: 'alice',
            to: ['bob', 'dave'],
            threadId: thread.id,
            content: {},
          }),
        'forbidden',
        { message: /to: "dave" is not a participant of thread "thr_/, field: 'to' },
      )
      expect(error.details).toMatchObject({ threadId: thread.id, addresses: ['dave'] })
      // A system message too: a thread's messages stay among its participants.
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: null, to: ['dave'], threadId: thread.id, content: {} }),
        'forbidden',
        { field: 'to' },
      )
      const m = await t.ph.messages.send({
        from: 'alice',
        to: ['bob@local'],
        threadId: thread.id,
        content: {},
      })
      expect(m.to).toEqual(['bob'])
      const result = await t.ph.messages.sendMany([
        { identifier: 'in', from: 'alice', to: ['carol'], threadId: thread.id, content: {} },
        { identifier: 'out', from: 'alice', to: ['dave'], threadId: thread.id, content: {} },
      ])
      expect(
        result.items.map((i) => [i.identifier, i.status, i.error?.code, i.error?.details.field]),
      ).toEqual([
        ['in', 'created', undefined, undefined],
        ['out', 'failed', 'forbidden', 'to'],
      ])
      expect((await t.ph.messages.list({ owner: 'dave' })).items).toEqual([])
    })

    it('closes a thread: it takes no new messages after that', async () => {
      const thread = await plans()
      const at = t.clock.tick(3)
      const events = await eventsOf(t.ph, async () => {
        const closed = await t.ph.threads.close({ id: thread.id, by: 'carol' })
        expect(closed).toEqual({ ...thread, closedAt: at, updatedAt: at, version: 2 })
        expect(await t.ph.threads.get({ participant: 'carol', id: thread.id })).toEqual(closed)
      })
      expect(summary(events)).toEqual(['thread.closed'])
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'alice', threadId: thread.id, content: {} }),
        'thread_closed',
        { message: /thread ".+" is closed/ },
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'alice', to: ['bob'], threadId: thread.id, content: {} }),
        'thread_closed',
      )
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.threads.close({ id: thread.id }),
        'invalid_transition',
        { message: /already closed/ },
      )
    })

    it('only a participant may close; an unknown thread is not_found', async () => {
      const thread = await plans()
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.threads.close({ id: thread.id, by: 'dave' }),
        'forbidden',
        { message: /by: "dave" is not a participant/ },
      )
      await expectError(t.ph.threads.close({ id: 'thr_nope' }), 'not_found', {
        message: /id: no thread "thr_nope"/,
      })
      expect((await t.ph.threads.get({ participant: 'alice', id: thread.id }))?.closedAt).toBeNull()
    })
  })
}
