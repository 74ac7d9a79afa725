import { describe, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { useEngine } from './harness.js'
import { expectNothingChanged, register } from './helpers.js'
import { bad, type Case, many, messageCases } from './validation-cases.js'

/** One bad input per rule of the accounts, boxes and threads facades. */
const otherCases: Case[] = [
  // accounts
  [
    'register: malformed address',
    (ph) => ph.accounts.register({ address: 'a b' }),
    'address',
    /address: expected an address like .*, got "a b"/,
  ],
  [
    'register: address .',
    (ph) => ph.accounts.register({ address: '.' }),
    'address',
    /address: expected an address like .*, got "\."/,
  ],
  [
    'register: address ..',
    (ph) => ph.accounts.register({ address: '..' }),
    'address',
    /address: expected an address like .*, got "\.\."/,
  ],
  [
    'register: address a..b',
    (ph) => ph.accounts.register({ address: 'a..b' }),
    'address',
    /address: expected an address like .*, got "a\.\.b"/,
  ],
  [
    'register: address -alice',
    (ph) => ph.accounts.register({ address: '-alice' }),
    'address',
    /address: expected an address like .*, got "-alice"/,
  ],
  [
    'register: address alice-',
    (ph) => ph.accounts.register({ address: 'alice-' }),
    'address',
    /address: expected an address like .*, got "alice-"/,
  ],
  [
    'register: address _a',
    (ph) => ph.accounts.register({ address: '_a' }),
    'address',
    /address: expected an address like .*, got "_a"/,
  ],
  [
    'register: address a_',
    (ph) => ph.accounts.register({ address: 'a_' }),
    'address',
    /address: expected an address like .*, got "a_"/,
  ],
  [
    'register: address alice.',
    (ph) => ph.accounts.register({ address: 'alice.' }),
    'address',
    /address: expected an address like .*, got "alice\."/,
  ],
  [
    'register: address .alice',
    (ph) => ph.accounts.register({ address: '.alice' }),
    'address',
    /address: expected an address like .*, got "\.alice"/,
  ],
  [
    'register: address al ice',
    (ph) => ph.accounts.register({ address: 'al ice' }),
    'address',
    /address: expected an address like .*, got "al ice"/,
  ],
  [
    'register: address élodie',
    (ph) => ph.accounts.register({ address: 'élodie' }),
    'address',
    /address: expected an address like .*, got "élodie"/,
  ],
  [
    'register: address a@',
    (ph) => ph.accounts.register({ address: 'a@' }),
    'address',
    /address: expected an address like .*, got "a@"/,
  ],
  [
    'register: address @b',
    (ph) => ph.accounts.register({ address: '@b' }),
    'address',
    /address: expected an address like .*, got "@b"/,
  ],
  [
    'register: address a@.',
    (ph) => ph.accounts.register({ address: 'a@.' }),
    'address',
    /address: expected an address like .*, got "a@\."/,
  ],
  [
    'register: address a@b..c',
    (ph) => ph.accounts.register({ address: 'a@b..c' }),
    'address',
    /address: expected an address like .*, got "a@b\.\.c"/,
  ],
  [
    'register: address a@-b',
    (ph) => ph.accounts.register({ address: 'a@-b' }),
    'address',
    /address: expected an address like .*, got "a@-b"/,
  ],
  [
    'register: address a@b@c',
    (ph) => ph.accounts.register({ address: 'a@b@c' }),
    'address',
    /address: expected an address like .*, got "a@b@c"/,
  ],
  [
    'register: address xxxxxxxxxx... (129 characters)',
    (ph) =>
      ph.accounts.register({
        address:
          'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      }),
    'address',
    /address: expected an address like .*, got "x{20}/,
  ],
  [
    'register: address a@pppppppp... (131 characters)',
    (ph) =>
      ph.accounts.register({
        address:
          'a@ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp',
      }),
    'address',
    /address: expected an address like .*, got "a@p{20}/,
  ],
  [
    'register: unknown field',
    (ph) => ph.accounts.register(bad({ address: 'x', age: 3 })),
    'age',
    /age: expected only known fields, got unknown field "age"/,
  ],
  [
    'register: wrong consent',
    (ph) => ph.accounts.register(bad({ address: 'x', consent: 'maybe' })),
    'consent',
    /consent: expected one of "open", "opt-in", "requests", got "maybe"/,
  ],
  [
    'register: remote address',
    (ph) => ph.accounts.register({ address: 'x@elsewhere' }),
    'address',
    /address: expected a local address .*got "x@elsewhere"/,
  ],
  [
    'register: nothing',
    (ph) => ph.accounts.register(bad(undefined)),
    'input',
    /input: expected an object, got nothing/,
  ],
  [
    'get: a number',
    (ph) => ph.accounts.get(bad(1)),
    'address',
    /address: expected a string, got 1/,
  ],
  [
    'accounts.list: limit 2000',
    (ph) => ph.accounts.list({ limit: 2000 }),
    'limit',
    /limit: expected .*1000.*, got 2000/,
  ],
  [
    'accounts.list: limit 0',
    (ph) => ph.accounts.list({ limit: 0 }),
    'limit',
    /limit: expected a number >= 1, got 0/,
  ],
  [
    'accounts.list: NUL in the cursor',
    (ph) => ph.accounts.list({ cursor: 'a\u0000' }),
    'cursor',
    /cursor: expected text without NUL/,
  ],
  [
    'accounts.update: wrong type',
    (ph) => ph.accounts.update(bad({ address: 'alice', displayName: 5 })),
    'displayName',
    /displayName: expected a string, got 5/,
  ],
  [
    'accounts.remove: malformed',
    (ph) => ph.accounts.remove(''),
    'address',
    /address: expected an address .*, got ""/,
  ],
  // boxes and threads
  [
    'boxes.list: malformed owner',
    (ph) => ph.boxes.list('Bob Smith'),
    'owner',
    /owner: expected an address .*, got "Bob Smith"/,
  ],
  [
    'boxes.counts: an owner starting with a dash',
    (ph) => ph.boxes.counts('-bob'),
    'owner',
    /owner: expected an address .*, got "-bob"/,
  ],
  [
    'threads.create: a participant ".."',
    (ph) => ph.threads.create({ subject: 's', participants: ['alice', '..'] }),
    'participants[1]',
    /participants\[1\]: expected an address .*, got "\.\."/,
  ],
  [
    'threads.list: a participant "."',
    (ph) => ph.threads.list({ participant: '.' }),
    'participant',
    /participant: expected an address .*, got "\."/,
  ],
  [
    'threads.create: a lone surrogate in the subject',
    (ph) => ph.threads.create({ subject: 'plans \ud800', participants: ['alice'] }),
    'subject',
    /subject: expected well-formed text \(no lone UTF-16 surrogate\), got "plans \\ud800"/,
  ],
  [
    'threads.get: a lone surrogate in the id',
    (ph) => ph.threads.get({ participant: 'alice', id: 'thr_\udc00' }),
    'id',
    /id: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'threads.list: a lone surrogate in the cursor',
    (ph) => ph.threads.list({ participant: 'alice', cursor: 'thr\ud800' }),
    'cursor',
    /cursor: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'accounts.register: a lone surrogate in displayName',
    (ph) => ph.accounts.register({ address: 'carol', displayName: 'C\ud800' }),
    'displayName',
    /displayName: expected well-formed text \(no lone UTF-16 surrogate\), got "C\\ud800"/,
  ],
  [
    'accounts.update: a lone surrogate in displayName',
    (ph) => ph.accounts.update({ address: 'alice', displayName: '\udfffA' }),
    'displayName',
    /displayName: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'accounts.list: a lone surrogate in the cursor',
    (ph) => ph.accounts.list({ cursor: 'b\udbff' }),
    'cursor',
    /cursor: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'threads.create: empty subject',
    (ph) => ph.threads.create({ subject: '', participants: ['alice'] }),
    'subject',
    /subject: expected at least 1 character, got 0 characters/,
  ],
  [
    'threads.create: 1001 participants',
    (ph) => ph.threads.create({ subject: 's', participants: many(1001) }),
    'participants',
    /participants: expected at most 1000 items, got 1001 items/,
  ],
  [
    'threads.create: NUL in the subject',
    (ph) => ph.threads.create({ subject: 's\u0000', participants: ['alice'] }),
    'subject',
    /subject: expected text without NUL \(\\u0000\) characters, got "s\\u0000"/,
  ],
  [
    'threads.get: NUL in the id',
    (ph) => ph.threads.get({ participant: 'alice', id: 'thr\u0000' }),
    'id',
    /id: expected text without NUL/,
  ],
  [
    'accounts.update: NUL in displayName',
    (ph) => ph.accounts.update({ address: 'alice', displayName: 'A\u0000' }),
    'displayName',
    /displayName: expected text without NUL/,
  ],
  [
    'threads.get: a number',
    (ph) => ph.threads.get(bad({ participant: 'alice', id: 3 })),
    'id',
    /id: expected a string, got 3/,
  ],
  [
    'threads.get: participant left out',
    (ph) => ph.threads.get(bad({ id: 'thr_1' })),
    'participant',
    /participant: expected .*, got nothing/,
  ],
  [
    'threads.list: limit 2000',
    (ph) => ph.threads.list({ participant: 'alice', limit: 2000 }),
    'limit',
    /limit: expected .*1000.*, got 2000/,
  ],
  [
    'threads.list: NUL in the cursor',
    (ph) => ph.threads.list({ participant: 'alice', cursor: 'thr\u0000' }),
    'cursor',
    /cursor: expected text without NUL/,
  ],
  [
    'threads.list: no participant',
    (ph) => ph.threads.list(bad({})),
    'participant',
    /participant: expected a string, got nothing/,
  ],
  [
    'threads.close: unknown field',
    (ph) => ph.threads.close(bad({ id: 'thr_1', reason: 'done' })),
    'reason',
    /reason: expected only known fields/,
  ],
]

export function describeValidation(options: ConformanceOptions): void {
  describe('input validation: every method checks before it writes', () => {
    const t = useEngine(options)

    for (const [label, call, field, message] of [...otherCases, ...messageCases]) {
      it(label, async () => {
        await register(t.ph, 'alice', 'bob')
        const { id } = await t.ph.messages.send({ from: 'alice', to: ['bob'], content: {} })
        const where = new RegExp(
          `^(accounts|messages|boxes|threads)\\.[a-zA-Z]+: ${message.source}`,
        )
        await expectNothingChanged(t, ['alice', 'bob'], () => call(t.ph, id), 'invalid_input', {
          message: where,
          field,
        })
      })
    }
  })
}
