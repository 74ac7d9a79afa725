import { OpenAPIHono, z } from '@hono/zod-openapi'
import { type FileDownload, type Pigeonhole, inputSchemas as s } from '@pigeonhole/core'
import type { Context } from 'hono'
import { actAs, adminOnly, authenticator, ownerParam, type StaticKey } from './auth.js'
import { consentRoutes } from './consent.js'
import { docsPage } from './docs.js'
import { eventRoutes } from './events.js'
import { fail, problem, problemResponse } from './problems.js'
import { bodyOf, type Env, querySchema, Router, readJson, readQuery } from './routing.js'
import { verifyRoutes } from './verify.js'

export interface RestApiOptions {
  /**
   * Keys from the host's configuration, beside those stored with `ph.admin.apiKeys.create`:
   * `{ key, account? }` (no account: an admin key). Default: none (stored keys only).
   */
  keys?: StaticKey[]
  /** The `info` of the OpenAPI document. */
  info?: { title?: string; version?: string; description?: string }
  /** How often an SSE stream sends a comment to keep proxies from closing it, in ms. Default 15000. */
  heartbeatMs?: number
}

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
 * The REST API over an engine, as a Hono app (`app.fetch` is a fetch handler any server can
 * mount): every route needs an API key; JSON bodies are checked by the engine's own input
 * schemas; errors are RFC 9457 problem details. See the package README for the routes.
 */
export function restApi(ph: Pigeonhole, options: RestApiOptions = {}): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>()
  const authenticate = authenticator(ph, options.keys ?? [])
  app.onError((error) => problemResponse(error))
  app.notFound((c) => {
    const body = problem('route_not_found', `no route ${c.req.method} ${c.req.path}`)
    return c.body(JSON.stringify(body), 404, { 'content-type': 'application/problem+json' })
  })

  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: options.info?.title ?? 'Pigeonhole REST API',
        version: options.info?.version ?? '0.1.0',
        description:
          options.info?.description ??
          'Messages, boxes, threads, consent, requests, files and events of a Pigeonhole engine.',
      },
    })
  // Built on the first request (every route is registered by then) and kept: generating it
  // took about 24 ms a request. Public: they describe the API, they hold no data.
  let built: { json: ReturnType<typeof documentWithSecurity>; html: string } | undefined
  const docs = () => {
    if (!built) {
      const json = documentWithSecurity(document())
      built = { json, html: docsPage(json) }
    }
    return built
  }
  app.get('/openapi.json', (c) => c.json(docs().json))
  app.get('/docs', (c) => c.html(docs().html))

  app.use('*', async (c, next) => {
    c.set('principal', await authenticate(c.req.header('authorization')))
    await next()
  })

  const r = new Router(app)
  const owner = (c: Context<Env>) => param(c, 'owner')
  const own = ownerParam
  const found = <T>(value: T | null, what: string): T => {
    if (value === null) fail('not_found', `${what} not found`)
    return value as T
  }

  // ---- accounts
  r.add(
    {
      method: 'post',
      path: '/accounts',
      summary: 'Register an account (admin)',
      tag: 'accounts',
      body: s.registerAccountInput,
      status: 201,
      errors: [409],
    },
    async (c, p) => {
      adminOnly(p, 'registering an account')
      return ph.accounts.register((await readJson(c)) as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts',
      summary: 'List accounts (admin); prefix: those whose address starts with it',
      tag: 'accounts',
      query: querySchema({ prefix: 'string', limit: 'number', cursor: 'string' }),
    },
    async (c, p) => {
      adminOnly(p, 'listing accounts')
      return ph.accounts.list(readQuery(c, { limit: 'number' }) as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}',
      summary: 'Get an account',
      tag: 'accounts',
      errors: [404],
    },
    async (c, p) => found(await ph.accounts.get(own(c, p)), `account "${owner(c)}"`),
  )
  r.add(
    {
      method: 'patch',
      path: '/accounts/{owner}',
      summary: 'Update an account (only the given fields)',
      tag: 'accounts',
      body: bodyOf(s.updateAccountInput, 'address'),
      errors: [404],
    },
    async (c, p) => ph.accounts.update({ ...(await readJson(c)), address: own(c, p) } as never),
  )
  r.add(
    {
      method: 'delete',
      path: '/accounts/{owner}',
      summary: 'Remove an account (admin)',
      tag: 'accounts',
      status: 204,
      errors: [404],
    },
    async (c, p) => {
      adminOnly(p, 'removing an account')
      await ph.accounts.remove(owner(c))
    },
  )

  // ---- messages
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

  // ---- boxes
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/boxes',
      summary: "The owner's boxes with counts",
      tag: 'boxes',
      errors: [404],
    },
    async (c, p) => ph.boxes.list(own(c, p)),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/boxes/counts',
      summary: 'Counts by box name',
      tag: 'boxes',
      errors: [404],
    },
    async (c, p) => ph.boxes.counts(own(c, p)),
  )

  // ---- threads
  r.add(
    {
      method: 'post',
      path: '/threads',
      summary: 'Create a thread',
      tag: 'threads',
      body: s.createThreadInput,
      status: 201,
      errors: [404, 422],
    },
    async (c, p) => {
      const body = await readJson(c)
      if (body.createdBy == null) adminOnly(p, 'a thread created by the system')
      else actAs(p, body.createdBy, 'createdBy')
      return ph.threads.create(body as never)
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/threads',
      summary: "The owner's threads",
      tag: 'threads',
      query: querySchema({ closed: 'boolean', limit: 'number', cursor: 'string' }),
      errors: [404],
    },
    async (c, p) =>
      ph.threads.list({
        ...readQuery(c, { closed: 'boolean', limit: 'number' }),
        participant: own(c, p),
      } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/threads/{id}',
      summary: 'A thread the owner is in',
      tag: 'threads',
      errors: [404],
    },
    async (c, p) =>
      found(await ph.threads.get({ participant: own(c, p), id: param(c, 'id') }), 'thread'),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/threads/{id}/close',
      summary: 'Close a thread',
      tag: 'threads',
      errors: [404, 409],
    },
    async (c, p) => ph.threads.close({ id: param(c, 'id'), by: own(c, p) }),
  )

  consentRoutes(r, ph)

  // ---- requests
  const createBody = bodyOf(s.createRequestInput, 'owner')
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/requests/validate',
      summary: 'Check a request before creating it (canCreate)',
      tag: 'requests',
      body: createBody,
    },
    async (c, p) => ph.requests.canCreate({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/requests',
      summary: 'Create a Draft request',
      tag: 'requests',
      body: createBody,
      status: 201,
      errors: [404],
    },
    async (c, p) => ph.requests.create({ ...(await readJson(c)), owner: own(c, p) } as never),
  )
  const requestListKinds = {
    direction: 'string',
    status: 'strings',
    peer: 'string',
    sourceMessageId: 'string',
    limit: 'number',
    cursor: 'string',
  } as const
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/requests',
      summary: "The owner's requests",
      tag: 'requests',
      query: querySchema(requestListKinds),
      errors: [404],
    },
    async (c, p) =>
      ph.requests.list({ ...readQuery(c, requestListKinds), owner: own(c, p) } as never),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/requests/{id}',
      summary: 'One side of a request',
      tag: 'requests',
      query: querySchema({ direction: 'string' }),
      errors: [404],
    },
    async (c, p) =>
      found(
        await ph.requests.get({
          ...readQuery(c, {}),
          owner: own(c, p),
          id: param(c, 'id'),
        } as never),
        'request',
      ),
  )
  const decide = [
    ['can-accept', 'canAccept', s.acceptRequestInput, 'Check decisions (canAccept)'],
    ['accept', 'accept', s.acceptRequestInput, 'Accept a received request'],
    ['can-reject', 'canReject', s.rejectRequestInput, 'Check a rejection (canReject)'],
    ['reject', 'reject', s.rejectRequestInput, 'Reject a received request'],
  ] as const
  for (const [path, method, schema, summary] of decide) {
    r.add(
      {
        method: 'post',
        path: `/accounts/{owner}/requests/{id}/${path}`,
        summary,
        tag: 'requests',
        body: bodyOf(schema, 'owner', 'id'),
        errors: [404, 409, 410],
      },
      async (c, p) =>
        ph.requests[method]({
          ...(await readJson(c)),
          owner: own(c, p),
          id: param(c, 'id'),
        } as never),
    )
  }

  // ---- files
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/files',
      summary: 'Upload a file (the body, streamed)',
      description:
        'The body is the file. `name` in the query or an `X-File-Name` header (percent-encoded), the MIME type in `mimeType` or `Content-Type`, optional `expiresAt` (ms since the epoch).',
      tag: 'files',
      rawBody: 'application/octet-stream',
      query: querySchema({ name: 'string', mimeType: 'string', expiresAt: 'number' }),
      status: 201,
      errors: [404, 413],
    },
    async (c, p) => {
      const o = own(c, p)
      const q = readQuery(c, { expiresAt: 'number' })
      const header = c.req.header('x-file-name')
      let name = q.name
      if (name === undefined && header !== undefined) {
        try {
          name = decodeURIComponent(header)
        } catch {
          fail('invalid_input', 'name: X-File-Name is not percent-encoded UTF-8', { field: 'name' })
        }
      }
      const mimeType = q.mimeType ?? c.req.header('content-type') ?? 'application/octet-stream'
      const { name: _n, mimeType: _m, ...rest } = q
      return ph.files.upload({
        ...rest,
        owner: o,
        name: name as string,
        mimeType: mimeType as string,
        data: c.req.raw.body ?? new Uint8Array(0),
      })
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/files/{id}',
      summary: "A file's metadata",
      tag: 'files',
      errors: [404],
    },
    async (c, p) => found(await ph.files.get({ owner: own(c, p), id: param(c, 'id') }), 'file'),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/files/{id}/content',
      summary: 'Download a file (streamed)',
      tag: 'files',
      binary: true,
      errors: [404],
    },
    async (c, p) => fileResponse(await ph.files.download({ owner: own(c, p), id: param(c, 'id') })),
  )
  r.add(
    {
      method: 'delete',
      path: '/accounts/{owner}/files/{id}',
      summary: 'The owner lets go of a file',
      tag: 'files',
      status: 204,
      errors: [404],
    },
    async (c, p) => {
      await ph.files.delete({ owner: own(c, p), id: param(c, 'id') })
    },
  )

  eventRoutes(r, ph, { heartbeatMs: options.heartbeatMs ?? 15_000 })
  verifyRoutes(r, ph)
  return app
}

/** A path parameter (decoded by Hono). */
const param = (c: Context<Env>, name: string): string => c.req.param(name) ?? ''

/** The file as a streamed answer; a stream error (integrity) cuts the body. */
function fileResponse(download: FileDownload): Response {
  const { file, stream } = download
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': file.mimeType,
      'content-length': String(file.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'x-content-sha256': file.sha256,
    },
  })
}

function documentWithSecurity<T extends object>(doc: T): T {
  const d = doc as { components?: Record<string, unknown> }
  d.components = {
    ...d.components,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key' } },
  }
  return doc
}
