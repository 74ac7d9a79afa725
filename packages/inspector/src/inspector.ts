import type { Pigeonhole } from '@pigeonhole/core'
import { parseOptions } from '@pigeonhole/core'
import { problem, restApi } from '@pigeonhole/transport-http'
import { Hono } from 'hono'
import { asset } from './assets.js'
import { type InspectorOptions, inspectorOptions } from './options.js'
import { callerKey, endSession, mountPath, startSession } from './session.js'

/** A problem (RFC 9457) answer, as the REST API gives them. */
function problemAnswer(
  code: Parameters<typeof problem>[0],
  detail: string,
  details?: Record<string, unknown>,
): Response {
  const body = problem(code, detail, details)
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json' },
  })
}

const reads = new Set(['GET', 'HEAD'])

/**
 * The inspector as a Hono app: the page (`GET /`, its assets), a session (`POST /session`
 * with `{ key }` sets an HttpOnly cookie), `GET /info`, and each engine's REST API at
 * `/engines/<name>/...`, behind the same keys. Read-only unless `allowWrites`. Mount it with
 * `app.route('/inspect', inspector({ engines: ph, keys }))`, or serve it (`serveInspector`).
 */
export function inspector(options: InspectorOptions): Hono {
  const parsed = parseOptions(inspectorOptions, options, 'inspector')
  const engines: Record<string, Pigeonhole> =
    'verify' in parsed.engines && typeof parsed.engines.verify === 'function'
      ? { main: parsed.engines as Pigeonhole }
      : (parsed.engines as Record<string, Pigeonhole>)
  const allowWrites = parsed.allowWrites ?? false
  const apis = new Map(
    Object.entries(engines).map(([name, ph]) => [
      name,
      {
        ph,
        api: restApi(ph, {
          ...(parsed.keys && { keys: parsed.keys }),
          heartbeatMs: parsed.heartbeatMs ?? 15_000,
        }),
      },
    ]),
  )

  // The page lists every account of every engine: an admin key of each is needed.
  const isAdmin = async (key: string | undefined): Promise<boolean> => {
    if (key === undefined) return false
    for (const { api } of apis.values()) {
      const res = await api.request('/accounts?limit=1', {
        headers: { authorization: `Bearer ${key}` },
      })
      await res.body?.cancel()
      if (res.status !== 200) return false
    }
    return true
  }
  const unauthenticated = () =>
    problemAnswer('unauthenticated', 'an admin API key is needed: sign in on the page')

  // Not strict: mounted at /inspect, both /inspect and /inspect/ reach the page route.
  const app = new Hono({ strict: false })
  app.onError(() => problemAnswer('internal', 'the inspector failed'))
  // The page's URLs are relative: it is served from a path that ends with a slash, or as
  // index.html (what /inspect redirects to: a strict host router has no /inspect/).
  const page = async () => (await asset('index.html'))!
  app.get('/', async (c) => {
    const url = new URL(c.req.url)
    if (url.pathname.endsWith('/')) return page()
    return c.redirect(`${url.pathname}/index.html${url.search}`, 308)
  })
  app.get('/index.html', page)
  app.get('/assets/:name', async (c) => (await asset(c.req.param('name'))) ?? c.notFound())

  app.post('/session', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { key?: unknown } | null
    const key = body?.key
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
      return problemAnswer('invalid_input', 'key: expected an API key', { field: 'key' })
    }
    if (!(await isAdmin(key))) {
      return problemAnswer('unauthenticated', 'that is not an admin API key of every engine here')
    }
    startSession(c, key, mountPath(c))
    return c.json({ ok: true })
  })
  app.delete('/session', (c) => {
    endSession(c, mountPath(c))
    return c.body(null, 204)
  })

  app.get('/info', async (c) => {
    if (!(await isAdmin(callerKey(c)))) return unauthenticated()
    return c.json({
      allowWrites,
      engines: [...apis].map(([name, { ph }]) => ({ name, lastCursor: ph.events.lastCursor })),
    })
  })

  app.all('/engines/:name/*', async (c) => {
    const name = c.req.param('name')
    const engine = apis.get(name)
    if (!engine) return problemAnswer('not_found', `no engine "${name}" here`, { engine: name })
    if (!allowWrites && !reads.has(c.req.method)) {
      return problemAnswer(
        'forbidden',
        `the inspector is read-only: ${c.req.method} is refused (start it with allowWrites, or \`pigeonhole inspect --allow-writes\`)`,
        { readOnly: true },
      )
    }
    const key = callerKey(c)
    if (key === undefined) return unauthenticated()
    const url = new URL(c.req.url)
    const marker = `/engines/${name}`
    url.pathname = url.pathname.slice(url.pathname.indexOf(marker) + marker.length) || '/'
    const headers = new Headers(c.req.raw.headers)
    headers.set('authorization', `Bearer ${key}`)
    headers.delete('cookie')
    const init: RequestInit & { duplex?: 'half' } = {
      method: c.req.method,
      headers,
      signal: c.req.raw.signal,
    }
    if (!reads.has(c.req.method) && c.req.raw.body) {
      init.body = c.req.raw.body
      init.duplex = 'half'
    }
    return engine.api.fetch(new Request(url, init))
  })
  app.notFound(() => problemAnswer('route_not_found', 'no such page or route in the inspector'))
  return app
}
