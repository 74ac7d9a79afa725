import fc from 'fast-check'
import { expect, test } from 'vitest'
import { PigeonholeError } from '../src/errors.js'
import { getItemInput, markInput } from '../src/messages/schemas.js'
import { address } from '../src/validation/common.js'
import { parseInput } from '../src/validation/parse.js'
import {
  parseAddress,
  parseItemInput,
  parseMarkInput,
  quickItemInput,
  quickMarkIds,
} from '../src/validation/quick-parse.js'

/** What a call returns or throws, comparable: the value, or the error's code, message, details. */
function outcome(run: () => unknown) {
  try {
    return { value: run() }
  } catch (error) {
    if (!(error instanceof PigeonholeError)) throw error
    return { code: error.code, message: error.message, details: error.details }
  }
}

// Near misses of the rules: dots, case, peers, lengths, NUL, lone surrogates, other types.
const addressLike = fc.oneof(
  fc.constantFrom(
    'bob',
    'Bob',
    'BOB@Local',
    'a',
    'a.b',
    'a..b',
    '.a',
    'a.',
    '-a',
    'a-',
    'a_b-c.d',
    'a@b',
    'a@',
    '@b',
    'a@b@c',
    'a@b..c',
    '',
    ' bob',
    'bob ',
    'bøb',
    'a'.repeat(128),
    'a'.repeat(129),
    `${'a'.repeat(128)}@${'b'.repeat(128)}`,
  ),
  fc.stringMatching(/^[A-Za-z0-9._@-]{0,12}$/),
  fc.string({ maxLength: 8 }),
  fc.anything({ maxDepth: 1 }),
)

const idLike = fc.oneof(
  fc.constantFrom('01HX', 'x', '', 'a\u0000b', 'a\ud800b', 'a\ud83d\ude00b', 'x'.repeat(200)),
  fc.constant('x'.repeat(201)),
  fc.string({ maxLength: 20, unit: 'binary' }),
  fc.anything({ maxDepth: 1 }),
)

test('parseAddress returns and throws exactly what parseInput(address) does', () => {
  fc.assert(
    fc.property(addressLike, (value) => {
      expect(outcome(() => parseAddress(value, 'boxes.counts', 'owner'))).toEqual(
        outcome(() => parseInput(address, value, 'boxes.counts', 'owner')),
      )
    }),
    { numRuns: 2000 },
  )
})

test('parseItemInput returns and throws exactly what parseInput(getItemInput) does', () => {
  const inputs = fc.oneof(
    fc.record(
      {
        owner: addressLike,
        id: idLike,
        role: fc.constantFrom('received', 'sent', 'cc', undefined),
      },
      { requiredKeys: [] },
    ),
    fc.record({ owner: addressLike, id: idLike, extra: fc.anything({ maxDepth: 0 }) }),
    fc.anything({ maxDepth: 2 }),
  )
  fc.assert(
    fc.property(inputs, (input) => {
      expect(outcome(() => parseItemInput(input, 'messages.getItem'))).toEqual(
        outcome(() => parseInput(getItemInput, input, 'messages.getItem')),
      )
    }),
    { numRuns: 3000 },
  )
})

test('parseMarkInput returns and throws exactly what parseInput(markInput) does', () => {
  const idsLike = fc.oneof(
    fc.array(idLike, { maxLength: 4 }),
    fc.array(fc.constantFrom('m1', 'm2', 'M3'), { minLength: 1, maxLength: 4 }),
    fc.constantFrom(
      Array.from({ length: 1000 }, (_, i) => `m${i}`),
      Array.from({ length: 1001 }, (_, i) => `m${i}`),
      // A hole: zod reads it as undefined.
      Object.assign(new Array<string>(2), { 1: 'm1' }),
    ),
    fc.anything({ maxDepth: 1 }),
  )
  const inputs = fc.oneof(
    fc.record({ owner: addressLike, ids: idsLike }, { requiredKeys: [] }),
    fc.record(
      {
        owner: addressLike,
        ids: idsLike,
        box: fc.constantFrom('inbox', 'Inbox', undefined),
        extra: fc.anything({ maxDepth: 0 }),
      },
      { requiredKeys: [] },
    ),
    fc.anything({ maxDepth: 2 }),
  )
  fc.assert(
    fc.property(inputs, (input) => {
      expect(outcome(() => parseMarkInput(input, 'messages.markRead'))).toEqual(
        outcome(() => parseInput(markInput, input, 'messages.markRead')),
      )
    }),
    { numRuns: 3000 },
  )
})

test('the quick mark path copies the ids and leaves other shapes to zod', () => {
  const ids = ['m1', 'm2']
  const parsed = quickMarkIds({ owner: 'Bob', ids })
  expect(parsed).toEqual({ owner: 'bob', ids: ['m1', 'm2'] })
  expect(parsed?.ids).not.toBe(ids)
  expect(quickMarkIds({ owner: 'bob', ids, box: undefined })).toBeUndefined()
  expect(quickMarkIds({ owner: 'bob', box: 'inbox' })).toBeUndefined()
  expect(quickMarkIds(JSON.parse('{"owner":"bob","ids":["m1"],"__proto__":{}}'))).toBeUndefined()
})

test('the quick path takes the usual inputs, and leaves other shapes to zod', () => {
  expect(quickItemInput({ owner: 'Bob', id: 'm1' })).toEqual({ owner: 'bob', id: 'm1' })
  expect(quickItemInput({ owner: 'bob@peer', id: 'm1', role: 'sent' })).toEqual({
    owner: 'bob@peer',
    id: 'm1',
    role: 'sent',
  })
  // Not plain objects, unknown keys (also an own `__proto__`): zod decides.
  class Input {
    owner = 'bob'
    id = 'm1'
  }
  expect(quickItemInput(new Input())).toBeUndefined()
  expect(quickItemInput(Object.assign(Object.create(null), { owner: 'bob', id: 'm1' }))).toBe(
    undefined,
  )
  expect(quickItemInput(JSON.parse('{"owner":"bob","id":"m1","__proto__":{}}'))).toBeUndefined()
  expect(quickItemInput({ owner: 'bob', id: 'm1', role: 'cc' })).toBeUndefined()
  expect(() => parseItemInput({ owner: 'bob', id: 'm1', role: 'cc' }, 'messages.getItem')).toThrow(
    /messages\.getItem: role: expected one of "received", "sent", got "cc"/,
  )
})
