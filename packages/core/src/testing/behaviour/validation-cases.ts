import type { Pigeonhole } from '../../index.js'
import { listingHash, sealCursor } from '../../util/page-cursor.js'

/** A bad input: what to call (with a stored message's id), the field and message expected. */
export type Case = [
  label: string,
  call: (ph: Pigeonhole, id: string) => unknown,
  field: string,
  message: RegExp,
]

export const many = (n: number) => Array.from({ length: n }, (_, i) => `user${i}`)
export const bad = <T>(value: unknown) => value as T

/** One bad input per rule of the messages facade. */
export const messageCases: Case[] = [
  [
    'send: no recipients',
    (ph) => ph.messages.send({ from: 'alice', to: [], content: {} }),
    'to',
    /to: expected at least 1 item, got 0 items/,
  ],
  [
    'send: 1001 recipients',
    (ph) => ph.messages.send({ from: 'alice', to: many(1001), content: {} }),
    'to',
    /to: expected at most 1000 items, got 1001 items/,
  ],
  [
    'send: a recipient not a string',
    (ph) => ph.messages.send(bad({ from: 'alice', to: ['bob', 7], content: {} })),
    'to[1]',
    /to\[1\]: expected a string, got 7/,
  ],
  [
    'send: unknown field',
    (ph) => ph.messages.send(bad({ from: 'alice', to: ['bob'], content: {}, subject: 'x' })),
    'subject',
    /subject: expected only known fields, got unknown field "subject"/,
  ],
  [
    'send: no content',
    (ph) => ph.messages.send(bad({ from: 'alice', to: ['bob'] })),
    'content',
    /content: expected an object, got nothing/,
  ],
  [
    'send: from left out',
    (ph) => ph.messages.send(bad({ to: ['bob'], content: {} })),
    'from',
    /from: expected .*, got nothing/,
  ],
  [
    'send: empty idempotency key',
    (ph) => ph.messages.send({ from: 'alice', to: ['bob'], content: {}, idempotencyKey: '' }),
    'idempotencyKey',
    /idempotencyKey: expected at least 1 character, got 0 characters/,
  ],
  [
    'send: NUL in the idempotency key',
    (ph) =>
      ph.messages.send({ from: 'alice', to: ['bob'], content: {}, idempotencyKey: 'k\u0000' }),
    'idempotencyKey',
    /idempotencyKey: expected text without NUL \(\\u0000\) characters, got "k\\u0000"/,
  ],
  [
    'send: NUL in the thread id',
    (ph) => ph.messages.send({ from: 'alice', to: ['bob'], content: {}, threadId: 't\u0000' }),
    'threadId',
    /threadId: expected text without NUL/,
  ],
  [
    'send: a lone surrogate in the idempotency key',
    (ph) =>
      ph.messages.send({ from: 'alice', to: ['bob'], content: {}, idempotencyKey: 'k\ud800' }),
    'idempotencyKey',
    /idempotencyKey: expected well-formed text \(no lone UTF-16 surrogate\), got "k\\ud800"/,
  ],
  [
    'send: a lone surrogate in the thread id',
    (ph) => ph.messages.send({ from: 'alice', to: ['bob'], content: {}, threadId: '\udc00t' }),
    'threadId',
    /threadId: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'send: a lone surrogate in an attachment',
    (ph) => ph.messages.send({ from: 'alice', to: ['bob'], content: {}, attachments: ['f\ud83d'] }),
    'attachments[0]',
    /attachments\[0\]: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'send: a recipient "."',
    (ph) => ph.messages.send({ from: 'alice', to: ['bob', '.'], content: {} }),
    'to[1]',
    /to\[1\]: expected an address like .*, got "\."/,
  ],
  [
    'send: a sender ".."',
    (ph) => ph.messages.send({ from: '..', to: ['bob'], content: {} }),
    'from',
    /from: expected an address like .*, got "\.\."/,
  ],
  [
    'broadcast: unknown field',
    (ph) => ph.messages.broadcast(bad({ content: {}, from: null })),
    'from',
    /from: expected only known fields/,
  ],
  [
    'messages.get: empty id',
    (ph) => ph.messages.get({ owner: 'bob', id: '' }),
    'id',
    /id: expected at least 1 character, got 0 characters/,
  ],
  [
    'messages.get: NUL in the id',
    (ph) => ph.messages.get({ owner: 'bob', id: 'a\u0000b' }),
    'id',
    /id: expected text without NUL \(\\u0000\) characters, got "a\\u0000b"/,
  ],
  [
    'messages.get: owner left out',
    (ph, id) => ph.messages.get(bad({ id })),
    'owner',
    /owner: expected .*, got nothing/,
  ],
  [
    'messages.get: a lone surrogate in the id',
    (ph) => ph.messages.get({ owner: 'bob', id: 'msg\udfff' }),
    'id',
    /id: expected well-formed text \(no lone UTF-16 surrogate\), got "msg\\udfff"/,
  ],
  [
    'getItem: an owner ending in a dot',
    (ph, id) => ph.messages.getItem({ owner: 'bob.', id }),
    'owner',
    /owner: expected an address like .*, got "bob\."/,
  ],
  [
    'getItem: wrong role',
    (ph, id) => ph.messages.getItem(bad({ owner: 'bob', id, role: 'cc' })),
    'role',
    /role: expected one of "received", "sent", got "cc"/,
  ],
  [
    'list: limit 2000',
    (ph) => ph.messages.list({ owner: 'bob', limit: 2000 }),
    'limit',
    /limit: expected .*1000.*, got 2000/,
  ],
  [
    'list: limit 0',
    (ph) => ph.messages.list({ owner: 'bob', limit: 0 }),
    'limit',
    /limit: expected .*1.*, got 0/,
  ],
  [
    'list: limit 2.5',
    (ph) => ph.messages.list({ owner: 'bob', limit: 2.5 }),
    'limit',
    /limit: expected an int.*, got 2.5/,
  ],
  [
    'list: limit a string',
    (ph) => ph.messages.list(bad({ owner: 'bob', limit: '10' })),
    'limit',
    /limit: expected a number, got "10"/,
  ],
  [
    'list: malformed cursor',
    (ph) => ph.messages.list({ owner: 'bob', cursor: 'not-a-cursor' }),
    'cursor',
    /cursor: expected a cursor returned by an earlier list call, got "not-a-cursor"/,
  ],
  [
    'list: a cursor whose message id holds a NUL',
    (ph) =>
      ph.messages.list({
        owner: 'bob',
        // Well formed and bound to this listing, but for the NUL in the key's message id.
        cursor: sealCursor(listingHash({ list: 'messages', owner: 'bob' }), [
          0,
          'a\u0000',
          'received',
          'a',
          'n',
        ]),
      }),
    'cursor',
    /cursor: expected a cursor returned by an earlier list call/,
  ],
  [
    'list: unknown box',
    (ph) => ph.messages.list({ owner: 'bob', box: 'archive' }),
    'box',
    /box: expected one of "inbox", "sent" .*got "archive"/,
  ],
  [
    'list: unread a string',
    (ph) => ph.messages.list(bad({ owner: 'bob', unread: 'yes' })),
    'unread',
    /unread: expected a boolean, got "yes"/,
  ],
  [
    'list: negative createdAfter',
    (ph) => ph.messages.list({ owner: 'bob', createdAfter: -1 }),
    'createdAfter',
    /createdAfter: expected a number >= 0, got -1/,
  ],
  [
    'list: createdAfter above 2^53 - 1',
    (ph) => ph.messages.list({ owner: 'bob', createdAfter: 2 ** 53 }),
    'createdAfter',
    /createdAfter: expected a number <= 9007199254740991, got 9007199254740992/,
  ],
  [
    'list: createdBefore above 2^53 - 1',
    (ph) => ph.messages.list({ owner: 'bob', createdBefore: 1e300 }),
    'createdBefore',
    /createdBefore: expected a number <= 9007199254740991, got 1e\+300/,
  ],
  [
    'list: a lone surrogate in the type filter',
    (ph) => ph.messages.list({ owner: 'bob', type: 'note\ud800' }),
    'type',
    /type: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'list: a lone surrogate in the cursor',
    (ph) => ph.messages.list({ owner: 'bob', cursor: 'abc\udc01' }),
    'cursor',
    /cursor: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'list: a from filter with two dots in a row',
    (ph) => ph.messages.list({ owner: 'bob', from: 'a..b' }),
    'from',
    /from: expected an address like .*, got "a\.\.b"/,
  ],
  [
    'list: unknown order',
    (ph) => ph.messages.list(bad({ owner: 'bob', order: 'random' })),
    'order',
    /order: expected one of "newest", "oldest", got "random"/,
  ],
  [
    'list: unknown filter',
    (ph) => ph.messages.list(bad({ owner: 'bob', sender: 'alice' })),
    'sender',
    /sender: expected only known fields/,
  ],
  [
    'listPage: pageSize 0',
    (ph) => ph.messages.listPage({ owner: 'bob', pageSize: 0 }),
    'pageSize',
    /pageSize: expected a number >= 1, got 0/,
  ],
  [
    'listPage: page 2^31',
    (ph) => ph.messages.listPage({ owner: 'bob', page: 2 ** 31 }),
    'page',
    /page: expected a number <= 2147483647, got 2147483648/,
  ],
  [
    'markRead: a lone surrogate in an id',
    (ph) => ph.messages.markRead({ owner: 'bob', ids: ['ok', 'x\ud800'] }),
    'ids[1]',
    /ids\[1\]: expected well-formed text \(no lone UTF-16 surrogate\)/,
  ],
  [
    'markRead: 1001 ids',
    (ph) => ph.messages.markRead({ owner: 'bob', ids: many(1001) }),
    'ids',
    /ids: expected at most 1000 items, got 1001 items/,
  ],
  [
    'markUnread: unknown box',
    (ph) => ph.messages.markUnread({ owner: 'bob', box: 'archive' }),
    'box',
    /box: expected one of .*got "archive"/,
  ],
  [
    'move: bad box name',
    (ph, id) => ph.messages.move({ owner: 'bob', ids: [id], to: '' }),
    'to',
    /to: expected a box name .*, got ""/,
  ],
  [
    'move: ids not an array',
    (ph, id) => ph.messages.move(bad({ owner: 'bob', ids: id, to: 'x' })),
    'ids',
    /ids: expected an array, got ".+"/,
  ],
  [
    'delete: unknown box',
    (ph, id) => ph.messages.delete({ owner: 'bob', ids: [id], box: 'archive' }),
    'box',
    /box: expected one of .*got "archive"/,
  ],
  [
    'update: expectedVersion a string',
    (ph, id) => ph.messages.update(bad({ id, by: 'alice', content: {}, expectedVersion: '1' })),
    'expectedVersion',
    /expectedVersion: expected a number, got "1"/,
  ],
  [
    'update: expectedVersion 2^31',
    (ph, id) => ph.messages.update({ id, by: 'alice', content: {}, expectedVersion: 2 ** 31 }),
    'expectedVersion',
    /expectedVersion: expected a number <= 2147483647, got 2147483648/,
  ],
  [
    'update: expectedVersion 2^53',
    (ph, id) => ph.messages.update({ id, by: 'alice', content: {}, expectedVersion: 2 ** 53 }),
    'expectedVersion',
    /expectedVersion: expected a number <= 2147483647, got 9007199254740992/,
  ],
  [
    'update: by with a space',
    (ph, id) => ph.messages.update({ id, by: 'Al ice', content: {}, expectedVersion: 1 }),
    'by',
    /by: expected an address like .*, got "Al ice"/,
  ],
  [
    'retract: by left out',
    (ph, id) => ph.messages.retract(bad({ id })),
    'by',
    /by: expected .*, got nothing/,
  ],
  [
    'receipts: malformed owner',
    (ph, id) => ph.messages.receipts({ owner: 'a b', id }),
    'owner',
    /owner: expected an address like .*, got "a b"/,
  ],
  [
    'receipts: a number',
    (ph) => ph.messages.receipts(bad({ owner: 'alice', id: 5 })),
    'id',
    /id: expected a string, got 5/,
  ],
]
