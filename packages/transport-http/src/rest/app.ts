import { OpenAPIHono } from '@hono/zod-openapi'
import type { Pigeonhole } from '@pigeonhole/core'
import { accountRoutes } from './account-routes.js'
import { authenticator, type StaticKey } from './auth.js'
import { boxRoutes } from './box-routes.js'
import { consentRoutes } from './consent.js'
import { docsPage } from './docs.js'
import { eventRoutes } from './events.js'
import { fileRoutes } from './file-routes.js'
import { messageRoutes } from './message-routes.js'
import { problem, problemResponse } from './problems.js'
import { requestRoutes } from './request-routes.js'
import { type Env, Router } from './routing.js'
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
  // The order of registration is the order of the OpenAPI document (and of Hono's matching).
  accountRoutes(r, ph)
  messageRoutes(r, ph)
  boxRoutes(r, ph)
  consentRoutes(r, ph)
  requestRoutes(r, ph)
  fileRoutes(r, ph)
  eventRoutes(r, ph, { heartbeatMs: options.heartbeatMs ?? 15_000 })
  verifyRoutes(r, ph)
  return app
}

function documentWithSecurity<T extends object>(doc: T): T {
  const d = doc as { components?: Record<string, unknown> }
  d.components = {
    ...d.components,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key' } },
  }
  return doc
}
