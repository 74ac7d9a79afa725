import { z } from '@hono/zod-openapi'
import { type Pigeonhole, inputSchemas as s } from '@pigeonhole/core'
import { actAs, adminOnly, ownerParam as own } from './auth.js'
import { fail } from './problems.js'
import { fileResponse, found, param } from './route-helpers.js'
import { bodyOf, querySchema, type Router, readJson, readQuery } from './routing.js'

const listKinds = {
  box: 'string',
  unread: 'boolean',
  threadId: 'string',
  from: 'string',
  type: 'string',
  createdAfter: 'number',
  createdBefore: 'number',
  order: 'string',
} as const
const messageListKinds = { ...listKinds, limit: 'number', cursor: 'string' } as const
const messagePageKinds = { ...listKinds, page: 'number', pageSize: 'number' } as const

/**
 * Messages: send (one, or a batch), list (by cursor or page), mark, move, delete, get, edit,
 * retract, receipts, and an attachment downloaded through its message.
 */
export function messageRoutes(r: Router, ph: Pigeonhole): void {
  r.add(
    {
      method: 'post',
      path: '/messages',
      summary: 'Send a message (or a dry run)',
      description:
        'An `Idempotency-Key` header is the idempotencyKey: a retry with the same key and body answers with the original message. `dryRun: true` answers 200 with what would happen.',
      tag: 'messages',
      body: s.sendInput,
      headers: z.object({ 'idempotency-key': z.string().optional() }),
      status: 201,
      errors: [404, 409, 422, 429],
    },
    async (c, p) => {
      const body = await readJson(c)
      const key = c.req.header('idempotency-key')
      if (key !== undefined) {
        if (body.idempotencyKey !== undefined && body.idempotencyKey !== key) {
          fail('invalid_input', 'idempotencyKey: differs from the Idempotency-Key header', {
            field: 'idempotencyKey',
          })
        }
        body.idempotencyKey = key
      }
      if (body.from === null) adminOnly(p, 'a system message (from: null)')
      else actAs(p, body.from, 'from')
      const result = await ph.messages.send(body as never)
      return body.dryRun === true ? c.json(result, 200) : c.json(result, 201)
    },
  )
  r.add(
    {
      method: 'post',
      path: '/messages/batch',
      summary: 'Send many messages in one transaction (sendMany)',
      tag: 'messages',
      body: z.strictObject({
        items: z.array(s.sendManyItem).min(1).max(1000),
        dryRun: z.boolean().optional(),
      }),
      errors: [429],
    },
    async (c, p) => {
      const body = await readJson(c)
      const { items, dryRun, ...rest } = body
      if (Object.keys(rest).length > 0) {
        fail('invalid_input', `${Object.keys(rest)[0]}: no such field (expected items, dryRun)`, {
          field: Object.keys(rest)[0],
        })
      }
      if (Array.isArray(items)) {
        items.forEach((item, i) => {
          if (item !== null && typeof item === 'object' && 'from' in item) {
            const from = (item as { from: unknown }).from
            if (from === null) adminOnly(p, `items[${i}]: a system message (from: null)`)
            else actAs(p, from, `items[${i}].from`)
          } else if (p.kind === 'account') actAs(p, undefined, `items[${i}].from`)
        })
      }
      if (dryRun !== undefined && typeof dryRun !== 'boolean') {
        fail('invalid_input', 'dryRun: expected a boolean', { field: 'dryRun' })
      }
      return dryRun
        ? ph.messages.sendMany(items as never, { dryRun: true })
        : ph.messages.sendMany(items as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/messages',
      summary: 'List messages (keyset pages: nextCursor, prevCursor)',
      tag: 'messages',
      query: querySchema(messageListKinds),
      errors: [404],
    },
    async (c, p) =>
      ph.messages.list({ ...readQuery(c, messageListKinds), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/message-pages',
      summary: 'List messages by page number (listPage)',
      tag: 'messages',
      query: querySchema(messagePageKinds),
      errors: [404],
    },
    async (c, p) =>
      ph.messages.listPage({ ...readQuery(c, messagePageKinds), owner: own(c, p) } as never),
  )
  const ids = z.strictObject({ ids: s.markInput.shape.ids, box: s.markInput.shape.box })
  for (const [action, name] of [
    ['read', 'markRead'],
    ['unread', 'markUnread'],
  ] as const) {
    r.add(
      {
        method: 'post',
        path: `/accounts/{owner}/messages/${action}`,
        summary: `Mark messages ${action} (by ids, or a whole box)`,
        tag: 'messages',
        body: ids,
        errors: [404],
      },
      async (c, p) => ph.messages[name]({ ...(await readJson(c)), owner: own(c, p) } as never),
    )
  }
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/messages/move',
      summary: 'Move messages to another box',
      tag: 'messages',
      body: bodyOf(s.moveInput, 'owner'),
      errors: [404],
    },
    async (c, p) => ph.messages.move({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/messages/delete',
      summary: "Delete the owner's entries of messages",
      tag: 'messages',
      body: bodyOf(s.deleteInput, 'owner'),
      errors: [404],
    },
    async (c, p) => ph.messages.delete({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/messages/{id}',
      summary: 'Get a message the owner sent or received',
      tag: 'messages',
      errors: [404],
    },
    async (c, p) =>
      found(await ph.messages.get({ owner: own(c, p), id: param(c, 'id') }), 'message'),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/messages/{id}/item',
      summary: "The owner's box entry and the message (getItem)",
      tag: 'messages',
      query: querySchema({ role: 'string' }),
      errors: [404],
    },
    async (c, p) =>
      found(
        await ph.messages.getItem({
          ...readQuery(c, {}),
          owner: own(c, p),
          id: param(c, 'id'),
        } as never),
        'message entry',
      ),
  )
  r.add(
    {
      method: 'delete',
      path: '/accounts/{owner}/messages/{id}',
      summary: "Delete the owner's entry of one message",
      tag: 'messages',
      errors: [404],
    },
    async (c, p) => ph.messages.delete({ owner: own(c, p), ids: [param(c, 'id')] }),
  )
  r.add(
    {
      method: 'patch',
      path: '/accounts/{owner}/messages/{id}',
      summary: 'Edit a sent message (compare-and-set on expectedVersion)',
      tag: 'messages',
      body: bodyOf(s.updateMessageInput, 'id', 'by'),
      errors: [404, 409],
    },
    async (c, p) =>
      ph.messages.update({ ...(await readJson(c)), id: param(c, 'id'), by: own(c, p) } as never),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/messages/{id}/retract',
      summary: 'Retract a sent message for everyone',
      tag: 'messages',
      errors: [404, 409],
    },
    async (c, p) => ph.messages.retract({ id: param(c, 'id'), by: own(c, p) }),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/messages/{id}/receipts',
      summary: 'Receipts of a sent message',
      tag: 'messages',
      errors: [404],
    },
    async (c, p) => ph.messages.receipts({ owner: own(c, p), id: param(c, 'id') }),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/messages/{id}/attachments/{fileId}',
      summary: 'Download an attachment through its message',
      tag: 'files',
      binary: true,
      errors: [404],
    },
    async (c, p) =>
      fileResponse(
        await ph.files.attachment({
          owner: own(c, p),
          messageId: param(c, 'id'),
          fileId: param(c, 'fileId'),
        }),
      ),
  )
}
