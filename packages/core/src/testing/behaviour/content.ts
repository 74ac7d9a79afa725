import { describe, expect, it } from 'vitest'
import { type Content, openPigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectError, expectNothingChanged, register } from './helpers.js'

class Point {
  x = 1
}

function cyclic(): Record<string, unknown> {
  const inner: Record<string, unknown> = { name: 'loop' }
  inner.back = { to: inner }
  return { inner }
}

/** Content that is not JSON, and what the error must say about it. */
const notJson: [string, unknown, RegExp][] = [
  ['a function', { f: () => 1 }, /content: expected JSON \(a function at f is not\)/],
  [
    'an undefined value',
    { a: { b: undefined } },
    /content: expected JSON \(undefined at a\.b is not\)/,
  ],
  ['NaN', { n: [1, Number.NaN] }, /content: expected JSON \(NaN at n\[1\] is not\)/],
  ['Infinity', { n: Number.POSITIVE_INFINITY }, /content: expected JSON \(Infinity at n is not\)/],
  ['a cycle', cyclic(), /content: expected JSON \(a cycle at inner\.back\.to is not\)/],
  [
    'a class instance inside',
    { p: new Point() },
    /content: expected JSON \(a Point instance at p is not\)/,
  ],
  ['a Date', { when: new Date(0) }, /content: expected JSON \(a Date instance at when is not\)/],
  ['a Map', { m: new Map([[1, 2]]) }, /content: expected JSON \(a Map instance at m is not\)/],
  ['a BigInt', { big: 10n }, /content: expected JSON \(a bigint at big is not\)/],
  ['a symbol', { s: Symbol('s') }, /content: expected JSON \(a symbol at s is not\)/],
  [
    'a NUL in a string',
    { t: ['ok', 'a\u0000'] },
    /content: expected JSON \(a NUL \(\\u0000\) character at t\[1\] is not\)/,
  ],
  [
    'a NUL in a key',
    { o: { 'k\u0000': 1 } },
    /content: expected JSON \(a NUL \(\\u0000\) character in a key at o\.k\\u0000 is not\)/,
  ],
  [
    'a lone surrogate in a string',
    { t: ['ok', 'a\ud800b'] },
    /content: expected JSON \(a lone UTF-16 surrogate at t\[1\] is not\)/,
  ],
  [
    'a lone low surrogate at the end of a string',
    { t: 'z\udc00' },
    /content: expected JSON \(a lone UTF-16 surrogate at t is not\)/,
  ],
  [
    'a lone surrogate in a key',
    { o: { 'k\udbff': 1 } },
    /content: expected JSON \(a lone UTF-16 surrogate in a key at o\.k\\udbff is not\)/,
  ],
  ['a class instance as content', new Point(), /content: expected an object, got a Point instance/],
  ['a string as content', 'hello', /content: expected an object, got "hello"/],
  ['an array as content', [1, 2], /content: expected an object, got \[1,2\]/],
  ['null as content', null, /content: expected an object, got null/],
]

export function describeContent(options: ConformanceOptions): void {
  describe('content validation', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob']

    for (const [what, content, message] of notJson) {
      it(`refuses ${what} in content, naming where, and stores nothing`, async () => {
        await register(t.ph, ...owners)
        const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { v: 1 } })
        const bad = content as Content
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: bad }),
          'invalid_input',
          { message, field: 'content' },
        )
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.update({ id, by: 'alice', content: bad, expectedVersion: 1 }),
          'invalid_input',
          { message, field: 'content' },
        )
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.broadcast({ content: bad }),
          'invalid_input',
          { message, field: 'content' },
        )
        const many = await t.ph.messages.sendMany([
          { identifier: 'bad', from: 'alice', to: ['bob'], content: bad },
        ])
        expect(many.items[0]!.error).toMatchObject({
          code: 'invalid_input',
          details: { field: 'content' },
        })
        expect(many.items[0]!.error!.message).toMatch(message)
      })
    }

    it('sendMany reports an item with a NUL alone and sends the others', async () => {
      await register(t.ph, ...owners)
      const result = await t.ph.messages.sendMany([
        { identifier: 'before', from: 'alice', to: ['bob'], content: { t: 'fine' } },
        { identifier: 'nul', from: 'alice', to: ['bob'], content: { t: 'a\u0000' } },
        { identifier: 'key', from: 'alice', to: ['bob'], content: {}, idempotencyKey: 'k\u0000' },
        { identifier: 'id\u0000', from: 'alice', to: ['bob'], content: {} },
        { identifier: 'after', from: 'alice', to: ['bob'], content: { t: 'also fine' } },
      ])
      expect(result.items.map((item) => [item.status, item.error?.details.field])).toEqual([
        ['created', undefined],
        ['failed', 'content'],
        ['failed', 'idempotencyKey'],
        ['failed', 'identifier'],
        ['created', undefined],
      ])
      const page = await t.ph.messages.list({ owner: 'bob' })
      expect(page.items.map((item) => item.message.content)).toEqual(
        expect.arrayContaining([{ t: 'fine' }, { t: 'also fine' }]),
      )
      expect(page.items).toHaveLength(2)
    })

    it('accepts content up to 256 KiB of JSON by default and refuses one byte more', async () => {
      await register(t.ph, ...owners)
      const limit = 256 * 1024
      const overhead = JSON.stringify({ t: '' }).length
      const fits = { t: 'x'.repeat(limit - overhead) }
      const sent = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: fits })
      expect((await t.ph.messages.get({ owner: 'alice', id: sent.id }))?.content).toEqual(fits)
      await expectNothingChanged(
        t,
        owners,
        () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: { t: `${fits.t}x` } }),
        'invalid_input',
        {
          message: /content: expected at most 262144 bytes of JSON, got 262145 bytes/,
          field: 'content',
        },
      )
    })

    it('counts the limit in UTF-8 bytes and takes it from limits.maxContentBytes', async () => {
      const { ph, ids } = await t.open({ limits: { maxContentBytes: 100 } })
      await register(ph, ...owners)
      const overhead = JSON.stringify({ t: '' }).length
      // 'é' is two bytes: 46 of them and the overhead are 100 bytes; one more is 102.
      const fits = { t: 'é'.repeat((100 - overhead) / 2) }
      await ph.messages.send({ from: 'alice', to: ['bob'], content: fits })
      await expectNothingChanged(
        { ph, ids },
        owners,
        () => ph.messages.send({ from: 'alice', to: ['bob'], content: { t: `${fits.t}é` } }),
        'invalid_input',
        { message: /content: expected at most 100 bytes of JSON, got 102 bytes/, field: 'content' },
      )
      const { id } = await ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      const error = await expectNothingChanged(
        { ph, ids },
        owners,
        () =>
          ph.messages.update({ id, by: 'alice', content: { t: `${fits.t}é` }, expectedVersion: 1 }),
        'invalid_input',
        { message: /messages\.update: content: expected at most 100 bytes of JSON, got 102 bytes/ },
      )
      expect(error.details).toMatchObject({
        field: 'content',
        expected: 'at most 100 bytes',
        got: '102 bytes',
      })
      await expectNothingChanged(
        { ph, ids },
        owners,
        () => ph.messages.broadcast({ content: { t: 'x'.repeat(200) } }),
        'invalid_input',
        { message: /content: expected at most 100 bytes/ },
      )
    })

    it('refuses limits that are not positive integers when opening', async () => {
      for (const [name, value] of [
        ['maxContentBytes', 0],
        ['markChunkSize', 1.5],
        ['maxContentBytes', Number.NaN],
      ] as const) {
        const store = await options.openStore()
        try {
          await expectError(
            () => openPigeonhole({ store, limits: { [name]: value } }),
            'invalid_input',
            {
              message: new RegExp(`limits\\.${name}: expected a positive integer, got ${value}`),
              field: `limits.${name}`,
            },
          )
        } finally {
          await store.close()
        }
      }
    })
  })
}
