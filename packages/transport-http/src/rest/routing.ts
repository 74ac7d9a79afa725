import { type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { Principal } from './auth.js'
import { fail, ProblemSchema } from './problems.js'

export type Env = { Variables: { principal: Principal } }
type Method = 'get' | 'post' | 'patch' | 'delete' | 'put'

/** One route: described in the OpenAPI document, served by `handle`. */
export interface RouteDef {
  method: Method
  /** OpenAPI style: `/accounts/{owner}/messages`. */
  path: string
  summary: string
  tag: string
  description?: string
  /** Documented query parameters (strings on the wire; converted by `readQuery`). */
  query?: z.ZodObject
  /** The documented JSON body: the engine's own input schema (less what the path gives). */
  body?: z.ZodType
  /** A raw (streamed) body of this content type instead of JSON. */
  rawBody?: string
  headers?: z.ZodObject
  /** The success status. Default 200. */
  status?: 200 | 201 | 204
  /** The success answer is bytes of the file's type, not JSON. */
  binary?: boolean
  /** Also 'text/event-stream'. */
  eventStream?: boolean
  /** Errors this route may answer with, beside 400, 401, 403. */
  errors?: number[]
}

export type Handler = (c: Context<Env>, principal: Principal) => Promise<unknown>

const pathParam = /\{([A-Za-z]+)\}/g

const errorText: Record<number, string> = {
  400: 'Invalid input (nothing was written)',
  401: 'Missing or invalid API key',
  403: 'Forbidden (another account, an admin-only call, consent, a policy)',
  404: 'Not found',
  409: 'Conflict (version, idempotency key, transition, already exists)',
  410: 'The request expired',
  413: 'Too large',
  422: 'A named recipient or peer is not valid here',
  429: 'Rate limited (Retry-After, RateLimit-*)',
  503: 'Unavailable (closing, a full queue); retry',
}

/** Registers routes on the app and describes them in the registry. */
export class Router {
  readonly routes: RouteDef[] = []

  constructor(private readonly app: OpenAPIHono<Env>) {
    app.openAPIRegistry.register('Problem', ProblemSchema)
  }

  add(def: RouteDef, handle: Handler): void {
    this.routes.push(def)
    const names = [...def.path.matchAll(pathParam)].map((m) => m[1]!)
    const params =
      names.length === 0
        ? undefined
        : z.object(Object.fromEntries(names.map((n) => [n, z.string().min(1)])))
    const status = def.status ?? 200
    const success = def.binary
      ? {
          description: 'The file, streamed',
          content: {
            'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
          },
        }
      : def.eventStream
        ? {
            description: 'Server-Sent Events',
            content: { 'text/event-stream': { schema: z.string() } },
          }
        : status === 204
          ? { description: 'Done' }
          : {
              description: 'OK',
              content: {
                'application/json': {
                  schema: z.record(z.string(), z.unknown()).or(z.array(z.unknown())),
                },
              },
            }
    const problemContent = { 'application/problem+json': { schema: ProblemSchema } }
    const errors = [...new Set([400, 401, 403, ...(def.errors ?? [])])].sort()
    this.app.openAPIRegistry.registerPath({
      method: def.method,
      path: def.path,
      summary: def.summary,
      ...(def.description && { description: def.description }),
      tags: [def.tag],
      security: [{ bearer: [] }],
      request: {
        ...(params && { params }),
        ...(def.query && { query: def.query }),
        ...(def.headers && { headers: def.headers }),
        ...(def.body && {
          body: { required: true, content: { 'application/json': { schema: def.body } } },
        }),
        ...(def.rawBody && {
          body: {
            required: true,
            content: { [def.rawBody]: { schema: z.string().openapi({ format: 'binary' }) } },
          },
        }),
      },
      responses: {
        [status]: success,
        ...Object.fromEntries(
          errors.map((s) => [s, { description: errorText[s] ?? 'Error', content: problemContent }]),
        ),
      },
    })
    const honoPath = def.path.replace(pathParam, ':$1')
    this.app.on(def.method.toUpperCase(), honoPath, async (c) => {
      const result = await handle(c, c.get('principal'))
      if (result instanceof Response) return result
      if (status === 204) return c.body(null, 204)
      return c.json(result as object, status)
    })
  }
}

/** The JSON body as an object (the engine's schema checks the rest); 400 when it is not one. */
export async function readJson(c: Context): Promise<Record<string, unknown>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    return fail('invalid_input', 'body: expected JSON (Content-Type: application/json)', {
      field: 'body',
    })
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail('invalid_input', 'body: expected a JSON object', { field: 'body' })
  }
  return body as Record<string, unknown>
}

export type QueryKind = 'string' | 'number' | 'boolean' | 'strings'

/**
 * The query string as the engine's input: numbers and booleans converted where `kinds` says
 * so (a value that does not convert is passed as the string, and the engine's schema refuses
 * it naming the field); unknown parameters are passed on too, so the engine's strict schema
 * refuses them. `strings`: repeated or comma-separated.
 */
export function readQuery(c: Context, kinds: Record<string, QueryKind>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const all = c.req.queries()
  for (const [name, values] of Object.entries(all)) {
    const kind = kinds[name] ?? 'string'
    const value = values.at(-1) ?? ''
    if (kind === 'strings') out[name] = values.flatMap((v) => v.split(',')).filter(Boolean)
    else if (kind === 'number') out[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
    else if (kind === 'boolean')
      out[name] = value === 'true' ? true : value === 'false' ? false : value
    else out[name] = value
  }
  return out
}

/** The documented query schema of `kinds` (all optional). */
export function querySchema(
  kinds: Record<string, QueryKind>,
  describe: Record<string, string> = {},
): z.ZodObject {
  const shape: Record<string, z.ZodType> = {}
  for (const [name, kind] of Object.entries(kinds)) {
    const base =
      kind === 'number'
        ? z.number()
        : kind === 'boolean'
          ? z.boolean()
          : kind === 'strings'
            ? z.string().openapi({ description: 'comma-separated, or repeated' })
            : z.string()
    shape[name] = (describe[name] ? base.openapi({ description: describe[name] }) : base).optional()
  }
  return z.object(shape)
}

/** The engine schema's fields, less those the path gives (`owner`, `by`...). */
export function bodyOf(schema: z.ZodType, ...omit: string[]): z.ZodType {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape
  return z.strictObject(
    Object.fromEntries(Object.entries(shape).filter(([k]) => !omit.includes(k))),
  )
}
