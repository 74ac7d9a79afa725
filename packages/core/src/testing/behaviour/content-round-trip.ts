import { describe, expect, it } from 'vitest'
import type { Content, Pigeonhole } from '../../index.js'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectNothingChanged, register } from './helpers.js'

/** `depth` objects nested in one another: `{ a: { a: ... { a: 1 } } }` (the top is level 1). */
export function nestedObjects(depth: number): Content {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = { a: value }
  return value as Content
}

/** An object holding `depth - 1` arrays nested in one another: `{ a: [[...[1]...]] }`. */
export function nestedArrays(depth: number): Content {
  let value: unknown = 1
  for (let i = 1; i < depth; i++) value = [value]
  return { a: value } as Content
}

/** Content with an own "__proto__" key, as JSON.parse makes it. */
const protoText = '{"__proto__":{"x":1},"text":"hi"}'

/** Expects `content` to be the parse of `protoText`: an own "__proto__" key, plain prototype. */
function expectProtoKept(content: unknown): void {
  const c = content as Record<string, unknown>
  expect(Object.getPrototypeOf(c)).toBe(Object.prototype)
  expect(Object.hasOwn(c, '__proto__')).toBe(true)
  expect(Object.keys(c).sort()).toEqual(['__proto__', 'text'])
  expect(Object.getOwnPropertyDescriptor(c, '__proto__')?.value).toEqual({ x: 1 })
  expect(c.text).toBe('hi')
  expect(JSON.parse(JSON.stringify(c))).toEqual(JSON.parse(protoText))
}

/** Every way a message's content is read back. */
async function readBack(ph: Pigeonhole, id: string, owner: string): Promise<unknown[]> {
  const item = await ph.messages.getItem({ owner, id })
  const listed = (await ph.messages.list({ owner })).items.find((i) => i.message.id === id)
  const paged = (await ph.messages.listPage({ owner })).items.find((i) => i.message.id === id)
  return [
    (await ph.messages.get({ owner, id }))?.content,
    item?.message.content,
    listed?.message.content,
    paged?.message.content,
  ]
}

export function describeContentRoundTrip(options: ConformanceOptions): void {
  describe('content round trip', () => {
    const t = useEngine(options)
    const owners = ['alice', 'bob']

    it('keeps an own "__proto__" key through send, update, sendMany, broadcast and reads', async () => {
      await register(t.ph, ...owners)
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: JSON.parse(protoText),
        idempotencyKey: 'k',
      })
      expectProtoKept(sent.content)
      for (const content of await readBack(t.ph, sent.id, 'bob')) expectProtoKept(content)
      // A retry with the same key and payload is the same send, not a conflict.
      const again = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: JSON.parse(protoText),
        idempotencyKey: 'k',
      })
      expect(again.id).toBe(sent.id)
      expectProtoKept(again.content)

      const plain = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: { v: 1 } })
      const updated = await t.ph.messages.update({
        id: plain.id,
        by: 'alice',
        content: JSON.parse(protoText),
        expectedVersion: 1,
      })
      expectProtoKept(updated.content)
      for (const content of await readBack(t.ph, plain.id, 'alice')) expectProtoKept(content)

      const many = await t.ph.messages.sendMany([
        { identifier: 'one', from: 'alice', to: ['bob'], content: JSON.parse(protoText) },
      ])
      expectProtoKept(many.items[0]!.message!.content)
      for (const content of await readBack(t.ph, many.items[0]!.message!.id, 'bob')) {
        expectProtoKept(content)
      }

      const all = await t.ph.messages.broadcast({ content: JSON.parse(protoText) })
      expectProtoKept(all.content)
      for (const content of await readBack(t.ph, all.id, 'bob')) expectProtoKept(content)
    })

    it('keeps "__proto__" keys nested in objects and arrays', async () => {
      await register(t.ph, ...owners)
      const text = '{"a":[{"__proto__":[1,{"__proto__":null}]}],"b":{"__proto__":"s"}}'
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content: JSON.parse(text),
      })
      for (const content of [sent.content, ...(await readBack(t.ph, sent.id, 'bob'))]) {
        const c = content as { a: Record<string, unknown>[]; b: Record<string, unknown> }
        expect(Object.hasOwn(c.a[0]!, '__proto__')).toBe(true)
        expect(Object.hasOwn(c.b, '__proto__')).toBe(true)
        expect(JSON.parse(JSON.stringify(c))).toEqual(JSON.parse(text))
      }
    })

    it('keeps surrogate pairs (emoji) in content and text fields', async () => {
      await register(t.ph, ...owners)
      const content = { '🐦key': 'a 🐦 pigeon', list: ['𝄞'] }
      const sent = await t.ph.messages.send({
        from: 'alice',
        to: ['bob'],
        content,
        idempotencyKey: 'key 🐦',
      })
      for (const read of await readBack(t.ph, sent.id, 'bob')) expect(read).toEqual(content)
      expect((await t.ph.messages.get({ owner: 'bob', id: sent.id }))?.idempotencyKey).toBe(
        'key 🐦',
      )
      const named = await t.ph.accounts.update({ address: 'bob', displayName: 'Bob 🐦' })
      expect(named.displayName).toBe('Bob 🐦')
      expect((await t.ph.accounts.get('bob'))?.displayName).toBe('Bob 🐦')
    })

    it('takes content 64 levels deep, objects or arrays, and refuses 65 naming the limit', async () => {
      await register(t.ph, ...owners)
      for (const deepest of [nestedObjects(64), nestedArrays(64)]) {
        const sent = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: deepest })
        expect((await t.ph.messages.get({ owner: 'bob', id: sent.id }))?.content).toEqual(deepest)
      }
      for (const tooDeep of [nestedObjects(65), nestedArrays(65)]) {
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: tooDeep }),
          'invalid_input',
          {
            message: /content: expected JSON \(more than 64 levels of nesting at a[.[]/,
            field: 'content',
          },
        )
      }
    })

    it('refuses content nested thousands deep with invalid_input, never a RangeError', async () => {
      await register(t.ph, ...owners)
      const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
      for (const deep of [nestedObjects(5000), nestedArrays(100_000)]) {
        const calls = [
          () => t.ph.messages.send({ from: 'alice', to: ['bob'], content: deep }),
          () => t.ph.messages.update({ id, by: 'alice', content: deep, expectedVersion: 1 }),
          () => t.ph.messages.broadcast({ content: deep }),
        ]
        for (const call of calls) {
          await expectNothingChanged(t, owners, call, 'invalid_input', {
            message: /content: expected JSON \(more than 64 levels of nesting at /,
            field: 'content',
          })
        }
        const many = await t.ph.messages.sendMany([
          { identifier: 'deep', from: 'alice', to: ['bob'], content: deep },
        ])
        expect(many.items[0]!.error).toMatchObject({
          code: 'invalid_input',
          details: { field: 'content' },
        })
      }
    })

    it('refuses huge but shallow content by its size, never a RangeError', async () => {
      await register(t.ph, ...owners)
      const wide: Record<string, number> = {}
      for (let i = 0; i < 300_000; i++) wide[`k${i}`] = i
      const long = Array.from({ length: 300_000 }, (_, i) => i)
      // Longer than any JSON text V8 can make (JSON.stringify throws a RangeError on it).
      const big = 'x'.repeat(2 ** 28)
      for (const content of [wide, { long }, { a: big, b: big }] as Content[]) {
        await expectNothingChanged(
          t,
          owners,
          () => t.ph.messages.send({ from: 'alice', to: ['bob'], content }),
          'invalid_input',
          { message: /content: expected at most 262144 bytes of JSON, got /, field: 'content' },
        )
      }
    })
  })
}
