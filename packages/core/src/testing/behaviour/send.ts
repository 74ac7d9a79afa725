import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { uploadText } from './files-helpers.js'
import { useEngine } from './harness.js'
import { eventsOf, expectNothingChanged, register, summary } from './helpers.js'

export function describeSend(options: ConformanceOptions): void {
  describe('messages.send, get and getItem', () => {
    const t = useEngine(options)

    it('sends to one recipient: sent entry for the sender, unread inbox entry for the recipient', async () => {
      await register(t.ph, 'alice', 'bob')
      t.clock.tick(5)
      let sent: Awaited<ReturnType<typeof t.ph.messages.send>> | undefined
      const events = await eventsOf(t.ph, async () => {
        sent = await t.ph.messages.send({
          from: 'alice',
          to: ['bob'],
          content: { subject: 'Hi', text: 'Hello Bob' },
        })
      })
      const now = t.clock.now()
      expect(sent).toEqual({
        id: t.ids.issued.at(-1),
        from: 'alice',
        to: ['bob'],
        content: { subject: 'Hi', text: 'Hello Bob' },
        attachments: [],
        threadId: null,
        broadcast: false,
        createdAt: now,
        updatedAt: now,
        version: 1,
        idempotencyKey: null,
        retractedAt: null,
      })
      const id = sent!.id
      expect(summary(events)).toEqual(['message.sent alice', 'message.received bob'])
      expect(events.every((e) => e.messageId === id && e.at === now)).toBe(true)
      expect(await t.ph.messages.get({ owner: 'alice', id })).toEqual(sent)

      const inbox = await t.ph.messages.getItem({ owner: 'bob', id })
      expect(inbox).toEqual({
        entry: {
          owner: 'bob',
          messageId: id,
          role: 'received',
          box: 'inbox',
          createdAt: now,
          updatedAt: now,
          version: 1,
          readAt: null,
          deletedAt: null,
        },
        message: sent,
      })
      const out = await t.ph.messages.getItem({ owner: 'alice', id })
      expect(out?.entry).toMatchObject({ role: 'sent', box: 'sent', readAt: now, version: 1 })
      expect(await t.ph.boxes.counts('bob')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 0, unread: 0 },
      })
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 0, unread: 0 },
        sent: { total: 1, unread: 0 },
      })
    })

    it('sends to many recipients once each, normalizing name@local and dropping repeats', async () => {
      await register(t.ph, 'alice', 'bob', 'carol', 'dave')
      // Attachments must be files the sender may attach (see files-attachments.ts).
      const file = await uploadText(t.ph, 'alice', 'for all of you')
      const sent = await t.ph.messages.send({
        from: 'alice@local',
        to: ['bob', 'carol@local', 'dave', 'bob@local'],
        content: { text: 'all of you' },
        attachments: [file.id],
      })
      expect(sent.from).toBe('alice')
      expect([...sent.to].sort()).toEqual(['bob', 'carol', 'dave'])
      expect(sent.attachments).toEqual([file.id])
      for (const owner of ['bob', 'carol', 'dave']) {
        expect((await t.ph.boxes.counts(owner)).inbox).toEqual({ total: 1, unread: 1 })
        const page = await t.ph.messages.list({ owner })
        expect(page.items.map((i) => i.message.id)).toEqual([sent.id])
      }
      expect((await t.ph.boxes.counts('alice')).sent).toEqual({ total: 1, unread: 0 })
    })

    it('sends a system message (from: null): no sender entry, an inbox entry per recipient', async () => {
      await register(t.ph, 'bob', 'carol')
      const events = await eventsOf(t.ph, async () => {
        const sent = await t.ph.messages.send({
          from: null,
          to: ['bob', 'carol'],
          content: { text: 'maintenance tonight' },
        })
        expect(sent.from).toBeNull()
        const item = await t.ph.messages.getItem({ owner: 'bob', id: sent.id })
        expect(item?.message.from).toBeNull()
      })
      expect(summary(events)).toEqual(['message.received bob', 'message.received carol'])
      expect((await t.ph.boxes.counts('carol')).inbox).toEqual({ total: 1, unread: 1 })
    })

    it('a message to oneself has an inbox entry and a sent entry', async () => {
      await register(t.ph, 'alice')
      const sent = await t.ph.messages.send({ from: 'alice', to: ['alice'], content: { n: 1 } })
      expect(await t.ph.boxes.counts('alice')).toEqual({
        inbox: { total: 1, unread: 1 },
        sent: { total: 1, unread: 0 },
      })
      const received = await t.ph.messages.getItem({
        owner: 'alice',
        id: sent.id,
        role: 'received',
      })
      const own = await t.ph.messages.getItem({ owner: 'alice', id: sent.id, role: 'sent' })
      expect(received?.entry.box).toBe('inbox')
      expect(own?.entry.box).toBe('sent')
      const page = await t.ph.messages.list({ owner: 'alice' })
      expect(page.items.map((i) => i.entry.role).sort()).toEqual(['received', 'sent'])
    })

    it('keeps typed content and its @type as sent', async () => {
      await register(t.ph, 'alice', 'bob')
      const content = { '@type': 'Note', body: { list: [1, 'two', null, true], nested: {} } }
      const sent = await t.ph.messages.send({ from: 'alice', to: ['bob'], content })
      expect((await t.ph.messages.get({ owner: 'bob', id: sent.id }))?.content).toEqual(content)
    })

    it('get and getItem answer null for what does not exist or is not the owner’s', async () => {
      await register(t.ph, 'alice', 'bob', 'carol')
      const sent = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      expect(await t.ph.messages.get({ owner: 'alice', id: 'msg_missing' })).toBeNull()
      expect(await t.ph.messages.get({ owner: 'carol', id: sent.id })).toBeNull()
      expect(await t.ph.messages.getItem({ owner: 'carol', id: sent.id })).toBeNull()
      expect(await t.ph.messages.getItem({ owner: 'bob', id: 'msg_missing' })).toBeNull()
      expect(await t.ph.messages.getItem({ owner: 'bob', id: sent.id, role: 'sent' })).toBeNull()
    })

    it('a send with neither recipients nor a thread is refused and stores nothing', async () => {
      await register(t.ph, 'alice')
      await expectNothingChanged(
        t,
        ['alice'],
        () => t.ph.messages.send({ from: 'alice', content: { text: 'to whom?' } }),
        'invalid_input',
        { message: /to: expected 1 to 1000 recipients.*got none/, field: 'to' },
      )
    })
  })
}
