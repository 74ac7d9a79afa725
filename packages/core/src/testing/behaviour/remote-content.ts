import { describe, expect, it } from 'vitest'
import type {
  ContentInput,
  Message,
  PigeonholeOptions,
  RemoteContentRequest,
  RemoteContentResolver,
} from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { type EngineOverrides, useEngine } from './harness.js'
import { expectNothingChanged, expectOptionRefused, register } from './helpers.js'

const bad = <T>(value: unknown) => value as T

const stored = {
  '@type': 'RemoteContent',
  ref: 'lab-results/2024/42',
  summary: { subject: 'Your lab results are ready', text: 'Open the message to see them' },
}

/** A resolver that answers `answer` (changeable) and records every request it gets. */
function recording(answer: () => ContentInput | Promise<ContentInput>) {
  const calls: RemoteContentRequest[] = []
  const resolver: RemoteContentResolver = (request) => {
    calls.push(request)
    return answer()
  }
  return { calls, resolver }
}

/** A promise and the functions that settle it, for a resolver the test holds. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Bad `remoteContent` options, the field they must name and the message. */
const badOptions: [label: string, remoteContent: unknown, field: string, RegExp][] = [
  [
    'a misspelled remoteContent key',
    { timeout: 10 },
    'remoteContent.timeout',
    /^openPigeonhole: remoteContent\.timeout: unknown option, did you mean "timeoutMs"\?$/,
  ],
  [
    'an unknown remoteContent key',
    { cache: true },
    'remoteContent.cache',
    /^openPigeonhole: remoteContent\.cache: unknown option \(known: resolvers, timeoutMs\)$/,
  ],
  [
    'remoteContent that is not an object',
    'on',
    'remoteContent',
    /^openPigeonhole: remoteContent: expected an object, got "on"$/,
  ],
  [
    'resolvers that are neither an object nor a function',
    { resolvers: 5 },
    'remoteContent.resolvers',
    /^openPigeonhole: remoteContent\.resolvers: expected \{ \[sender\]: resolver \} or \(sender\) => resolver \| undefined, got 5$/,
  ],
  [
    'resolvers given as an array',
    { resolvers: [() => ({})] },
    'remoteContent.resolvers',
    /^openPigeonhole: remoteContent\.resolvers: expected \{ \[sender\]: resolver \}/,
  ],
  [
    'a resolver that is not a function',
    { resolvers: { alice: 'https://alice.example' } },
    'remoteContent.resolvers.alice',
    /^openPigeonhole: remoteContent\.resolvers\.alice: expected a resolver: \(request\) => content or a promise of it, got "https:\/\/alice\.example"$/,
  ],
  [
    'a resolver key that is not an address',
    { resolvers: { 'not an address': () => ({}) } },
    'remoteContent.resolvers.not an address',
    /^openPigeonhole: remoteContent\.resolvers\.not an address: expected a sender address like "alice" or "alice@peer" as the key, got "not an address"$/,
  ],
  [
    'a timeoutMs of 0',
    { timeoutMs: 0 },
    'remoteContent.timeoutMs',
    /^openPigeonhole: remoteContent\.timeoutMs: expected a positive integer, got 0$/,
  ],
  [
    'a timeoutMs above 600000',
    { timeoutMs: 600_001 },
    'remoteContent.timeoutMs',
    /^openPigeonhole: remoteContent\.timeoutMs: expected a positive integer ≤ 600000, got 600001$/,
  ],
  [
    'a timeoutMs that is a string',
    { timeoutMs: '5s' },
    'remoteContent.timeoutMs',
    /^openPigeonhole: remoteContent\.timeoutMs: expected a positive integer, got "5s"$/,
  ],
]

/** Malformed RemoteContent, the field it must name and the message (after "messages.send: "). */
const badContent: [label: string, content: Record<string, unknown>, field: string, RegExp][] = [
  [
    'no ref',
    { '@type': 'RemoteContent' },
    'content.ref',
    /^content\.ref: expected a string, got nothing$/,
  ],
  [
    'an empty ref',
    { '@type': 'RemoteContent', ref: '' },
    'content.ref',
    /^content\.ref: expected at least 1 character, got 0 characters$/,
  ],
  [
    'a ref of 2001 characters',
    { '@type': 'RemoteContent', ref: 'r'.repeat(2001) },
    'content.ref',
    /^content\.ref: expected at most 2000 characters, got 2001 characters$/,
  ],
  [
    'a numeric ref',
    { '@type': 'RemoteContent', ref: 42 },
    'content.ref',
    /^content\.ref: expected a string, got 42$/,
  ],
  [
    'the full content beside the ref (never stored)',
    { '@type': 'RemoteContent', ref: 'x', text: 'the secret' },
    'content.text',
    /^content\.text: expected only known fields, got unknown field "text"$/,
  ],
  [
    'a summary that is text',
    { '@type': 'RemoteContent', ref: 'x', summary: 'short' },
    'content.summary',
    /^content\.summary: expected an object, got "short"$/,
  ],
  [
    'a summary subject of 201 characters',
    { '@type': 'RemoteContent', ref: 'x', summary: { subject: 's'.repeat(201) } },
    'content.summary.subject',
    /^content\.summary\.subject: expected at most 200 characters, got 201 characters$/,
  ],
  [
    'a summary with an unknown field',
    { '@type': 'RemoteContent', ref: 'x', summary: { subject: 'Hi', body: 'the secret' } },
    'content.summary.body',
    /^content\.summary\.body: expected only known fields, got unknown field "body"$/,
  ],
]

export function describeRemoteContent(options: ConformanceOptions): void {
  describe('remote content', () => {
    const t = useEngine(options)

    /** An engine with `remoteContent`, alice (the service) and bob (the reader) registered. */
    const open = async (
      remoteContent?: PigeonholeOptions['remoteContent'],
      more: EngineOverrides = {},
    ) => {
      const engine = await t.open({ ...more, ...(remoteContent && { remoteContent }) })
      await register(engine.ph, 'alice', 'bob', 'carol')
      const sent = await engine.ph.messages.send({ from: 'alice', to: ['bob'], content: stored })
      return { ...engine, sent }
    }

    it('get and getItem show what the sender resolver gives, asking it on every read', async () => {
      let answer: ContentInput = { subject: 'Lab results', text: 'Glucose 5.1 mmol/L' }
      const r = recording(() => Promise.resolve(answer))
      const { ph, sent } = await open({ resolvers: { alice: r.resolver } })
      // What the send returns is what was stored: the engine resolves nothing on the way in.
      expect(sent.content).toEqual(stored)
      expect(sent.remote).toBeUndefined()
      expect(r.calls).toHaveLength(0)

      const got = await ph.messages.get({ owner: 'bob', id: sent.id })
      expect(got).toEqual({
        ...sent,
        content: { subject: 'Lab results', text: 'Glucose 5.1 mmol/L' },
        remote: { ref: stored.ref, status: 'resolved' },
      })
      expect(r.calls).toHaveLength(1)
      const request = r.calls[0]!
      expect({ ...request, signal: undefined }).toEqual({
        ref: stored.ref,
        messageId: sent.id,
        sender: 'alice',
        reader: 'bob',
        signal: undefined,
      })
      expect(request.signal).toBeInstanceOf(AbortSignal)
      expect(request.signal.aborted).toBe(false)

      const item = await ph.messages.getItem({ owner: 'bob', id: sent.id })
      expect(item?.entry.owner).toBe('bob')
      expect(item?.message).toEqual(got)
      expect(r.calls).toHaveLength(2)

      // Never cached: a new answer shows on the next read.
      answer = { subject: 'Lab results (corrected)', text: 'Glucose 5.3 mmol/L' }
      expect((await ph.messages.get({ owner: 'bob', id: sent.id }))?.content).toEqual(answer)
      expect(r.calls).toHaveLength(3)

      // The sender reading its own message asks its resolver too, as the reader.
      const own = await ph.messages.get({ owner: 'alice', id: sent.id })
      expect(own?.remote).toEqual({ ref: stored.ref, status: 'resolved' })
      expect(r.calls.at(-1)?.reader).toBe('alice')

      // Someone who took no part gets null, and the resolver is not asked.
      expect(await ph.messages.get({ owner: 'carol', id: sent.id })).toBeNull()
      expect(await ph.messages.getItem({ owner: 'carol', id: sent.id })).toBeNull()
      expect(r.calls).toHaveLength(4)
    })

    it('never stores the resolved content: the store keeps the ref and summary only', async () => {
      const r = recording(() => ({ subject: 'Lab results', text: 'the secret' }))
      const { ph, sent } = await open({ resolvers: { alice: r.resolver } })
      await ph.messages.get({ owner: 'bob', id: sent.id })
      await ph.messages.getItem({ owner: 'bob', id: sent.id })
      expect(r.calls).toHaveLength(2)
      // admin reads the row as stored, and resolves nothing.
      const raw = await ph.admin.getMessage(sent.id)
      expect(raw).toEqual(sent)
      expect(raw?.remote).toBeUndefined()
      expect(JSON.stringify(raw)).not.toContain('the secret')
      const listed = await ph.messages.list({ owner: 'bob' })
      expect(JSON.stringify(listed)).not.toContain('the secret')
      expect(r.calls).toHaveLength(2)
    })

    it('lists show the stored summary and call no resolver', async () => {
      const r = recording(() => ({ text: 'the secret' }))
      const { ph, sent } = await open({ resolvers: { alice: r.resolver } })
      const plain = await ph.messages.send({ from: 'carol', to: ['bob'], content: { text: 'hi' } })
      const page = await ph.messages.list({ owner: 'bob' })
      expect(page.items.map((i) => i.message)).toEqual([plain, sent])
      expect(page.items[1]!.message.content).toEqual(stored)
      expect(page.items[1]!.message.remote).toBeUndefined()
      const numbered = await ph.messages.listPage({ owner: 'bob', type: 'RemoteContent' })
      expect(numbered.items.map((i) => i.message)).toEqual([sent])
      const sentBox = await ph.messages.list({ owner: 'alice', box: 'sent' })
      expect(sentBox.items.map((i) => i.message)).toEqual([sent])
      expect(r.calls).toHaveLength(0)
    })

    it('a resolver that throws or rejects gives the stored content, unavailable, and no error', async () => {
      let fail: () => ContentInput = () => {
        throw new Error('records service down')
      }
      const { ph, sent } = await open({ resolvers: { alice: () => fail() } })
      const expected = (message: string): Message => ({
        ...sent,
        content: stored,
        remote: { ref: stored.ref, status: 'unavailable', code: 'resolver_failed', message },
      })
      expect(await ph.messages.get({ owner: 'bob', id: sent.id })).toEqual(
        expected('the resolver of "alice" failed: records service down'),
      )
      fail = () => Promise.reject(new TypeError('fetch failed')) as never
      expect((await ph.messages.getItem({ owner: 'bob', id: sent.id }))?.message).toEqual(
        expected('the resolver of "alice" failed: fetch failed'),
      )
      fail = () => {
        throw 'nope'
      }
      expect(await ph.messages.get({ owner: 'bob', id: sent.id })).toEqual(
        expected('the resolver of "alice" failed: "nope"'),
      )
    })

    it('a resolver slower than timeoutMs gives resolver_timeout and sees its signal abort', async () => {
      const gate = deferred<ContentInput>()
      const r = recording(() => gate.promise)
      const { ph, sent } = await open({ resolvers: { alice: r.resolver }, timeoutMs: 20 })
      const got = await ph.messages.get({ owner: 'bob', id: sent.id })
      expect(got).toEqual({
        ...sent,
        remote: {
          ref: stored.ref,
          status: 'unavailable',
          code: 'resolver_timeout',
          message: 'the resolver of "alice" gave no answer within 20 ms',
        },
      })
      const signal = r.calls[0]!.signal
      expect(signal.aborted).toBe(true)
      expect((signal.reason as Error).name).toBe('TimeoutError')
      // Its late answer goes nowhere: the next read asks again.
      gate.resolve({ text: 'too late' })
      await gate.promise
      const next = await ph.messages.get({ owner: 'bob', id: sent.id })
      expect(next?.content).toEqual({ text: 'too late' })
      expect(r.calls).toHaveLength(2)
      expect(r.calls[1]!.signal.aborted).toBe(false)
    })

    it('a resolver that rejects after its timeout changes nothing and raises nothing', async () => {
      const gate = deferred<ContentInput>()
      const { ph, sent } = await open({ resolvers: { alice: () => gate.promise }, timeoutMs: 10 })
      const got = await ph.messages.getItem({ owner: 'bob', id: sent.id })
      expect(got?.message.remote).toMatchObject({ code: 'resolver_timeout' })
      gate.reject(new Error('aborted'))
      await gate.promise.catch(() => {})
    })

    it('a resolver that answers in time is not cut off by the timer', async () => {
      const gate = deferred<ContentInput>()
      const { ph, sent } = await open({
        resolvers: { alice: () => gate.promise },
        timeoutMs: 60_000,
      })
      const reading = ph.messages.get({ owner: 'bob', id: sent.id })
      gate.resolve({ text: 'in time' })
      expect((await reading)?.remote).toEqual({ ref: stored.ref, status: 'resolved' })
    })

    it('a sender with no resolver reads as unavailable: no_resolver', async () => {
      const noResolver = {
        ref: stored.ref,
        status: 'unavailable',
        code: 'no_resolver',
        message: 'no remote content resolver for sender "alice"',
      }
      for (const remoteContent of [
        undefined,
        { resolvers: { carol: () => ({ text: 'carol' }) } },
        { resolvers: () => undefined },
      ]) {
        const { ph, sent } = await open(remoteContent)
        const got = await ph.messages.get({ owner: 'bob', id: sent.id })
        expect(got).toEqual({ ...sent, remote: noResolver })
      }
    })

    it('finds resolvers by sender: keys fold like addresses, a function picks per sender', async () => {
      const a = await open({ resolvers: { 'ALICE@local': () => ({ text: 'by key' }) } })
      expect((await a.ph.messages.get({ owner: 'bob', id: a.sent.id }))?.content).toEqual({
        text: 'by key',
      })
      const asked: string[] = []
      const b = await open({
        resolvers: (sender) => {
          asked.push(sender)
          return sender === 'alice' ? () => ({ text: `from ${sender}` }) : undefined
        },
      })
      expect((await b.ph.messages.get({ owner: 'bob', id: b.sent.id }))?.content).toEqual({
        text: 'from alice',
      })
      expect(asked).toEqual(['alice'])
      const c = await open({
        resolvers: () => {
          throw new Error('registry offline')
        },
      })
      expect((await c.ph.messages.get({ owner: 'bob', id: c.sent.id }))?.remote).toEqual({
        ref: stored.ref,
        status: 'unavailable',
        code: 'resolver_failed',
        message: 'finding the resolver of "alice" failed: registry offline',
      })
    })

    it('an answer that is not JSON content, too big or remote again is invalid_content', async () => {
      const answers: [unknown, RegExp][] = [
        [
          'just text',
          /^the resolver of "alice" answered what is not content: content: expected an object, got "just text"$/,
        ],
        [null, /answered what is not content: content: expected an object, got null$/],
        [[{ text: 'hi' }], /answered what is not content: content: expected an object/],
        [
          { when: new Date(0) },
          /answered what is not content: content: expected JSON \(a Date instance at when is not\)/,
        ],
        [{ text: 'x', fn: () => 1 }, /expected JSON \(a function at fn is not\)/],
        [
          { text: 'x'.repeat(600) },
          /^the resolver of "alice" answered content of 611 bytes of JSON \(at most 512: limits\.maxContentBytes\)$/,
        ],
        [
          { ...stored, ref: 'other' },
          /^the resolver of "alice" answered with another RemoteContent$/,
        ],
      ]
      let answer: unknown
      const { ph, sent } = await open(
        { resolvers: { alice: () => answer as ContentInput } },
        { limits: { maxContentBytes: 512 } },
      )
      for (const [value, message] of answers) {
        answer = value
        const got = await ph.messages.get({ owner: 'bob', id: sent.id })
        expect(got?.content).toEqual(stored)
        expect(got?.remote).toMatchObject({ status: 'unavailable', code: 'invalid_content' })
        expect(got?.remote?.status === 'unavailable' && got.remote.message).toMatch(message)
      }
    })

    it('a retracted remote message has no content left to resolve', async () => {
      const r = recording(() => ({ text: 'the secret' }))
      const { ph, sent } = await open({ resolvers: { alice: r.resolver } })
      await ph.messages.retract({ id: sent.id, by: 'alice' })
      const got = await ph.messages.get({ owner: 'bob', id: sent.id })
      expect(got?.content).toEqual({})
      expect(got?.remote).toBeUndefined()
      expect(r.calls).toHaveLength(0)
    })

    it('sends a RemoteContent with a ref alone, and one edited to a new ref', async () => {
      const r = recording(() => ({ text: 'resolved' }))
      const { ph } = await open({ resolvers: { alice: r.resolver } })
      const bare = await ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: { '@type': 'RemoteContent', ref: 'r-1' },
      })
      expect(bare.content).toEqual({ '@type': 'RemoteContent', ref: 'r-1' })
      const edited = await ph.messages.update({
        id: bare.id,
        by: 'alice',
        content: { '@type': 'RemoteContent', ref: 'r-2', summary: { text: 'v2' } },
        expectedVersion: 1,
      })
      expect(edited.version).toBe(2)
      await ph.messages.get({ owner: 'bob', id: bare.id })
      expect(r.calls.map((c) => c.ref)).toEqual(['r-2'])
    })

    for (const [label, content, field, message] of badContent) {
      it(`refuses a RemoteContent with ${label} at send, naming ${field}, storing nothing`, async () => {
        const e = await t.open()
        await register(e.ph, 'alice', 'bob')
        const error = await expectNothingChanged(
          e,
          ['alice', 'bob'],
          () => e.ph.messages.send({ from: 'alice', to: ['bob'], content: bad(content) }),
          'invalid_input',
          { message: new RegExp(`^messages\\.send: ${message.source.slice(1)}`), field },
        )
        expect(error.details).toMatchObject({
          field,
          expected: expect.any(String),
          got: expect.any(String),
        })
      })
    }

    it('refuses a malformed RemoteContent in sendMany for that item only, and in update', async () => {
      const e = await t.open()
      await register(e.ph, 'alice', 'bob')
      const result = await e.ph.messages.sendMany([
        { identifier: 'good', from: 'alice', to: ['bob'], content: stored },
        { identifier: 'bad', from: 'alice', to: ['bob'], content: { '@type': 'RemoteContent' } },
      ])
      expect(result.items.map((i) => i.status)).toEqual(['created', 'failed'])
      expect(result.items[1]!.error).toMatchObject({
        code: 'invalid_input',
        message: 'messages.sendMany: [1]: content.ref: expected a string, got nothing',
        details: { field: 'content.ref' },
      })
      const id = result.items[0]!.message!.id
      await expectNothingChanged(
        e,
        ['alice', 'bob'],
        () =>
          e.ph.messages.update({
            id,
            by: 'alice',
            content: { ...stored, details: 'the secret' },
            expectedVersion: 1,
          }),
        'invalid_input',
        {
          message: /^messages\.update: content\.details: expected only known fields/,
          field: 'content.details',
        },
      )
      expect((await e.ph.admin.getMessage(id))?.version).toBe(1)
    })

    it('refuses a RemoteContent from a system message or broadcast: no sender to resolve it', async () => {
      const e = await t.open()
      await register(e.ph, 'alice', 'bob')
      const message =
        /: content: a RemoteContent needs a sender, whose resolver gives its content \(not a system message or broadcast\)$/
      await expectNothingChanged(
        e,
        ['alice', 'bob'],
        () => e.ph.messages.send({ from: null, to: ['bob'], content: stored }),
        'invalid_input',
        { message: new RegExp(`^messages\\.send${message.source}`), field: 'content' },
      )
      await expectNothingChanged(
        e,
        ['alice', 'bob'],
        () => e.ph.messages.broadcast({ content: stored }),
        'invalid_input',
        { message: new RegExp(`^messages\\.broadcast${message.source}`), field: 'content' },
      )
    })

    for (const [label, remoteContent, field, message] of badOptions) {
      it(`openPigeonhole refuses ${label}, naming ${field}`, async () => {
        const store = await options.openStore()
        try {
          await expectOptionRefused(store, { remoteContent }, field, message)
        } finally {
          await store.close()
        }
      })
    }
  })
}
