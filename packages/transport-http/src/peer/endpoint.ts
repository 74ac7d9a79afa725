import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { DeliveryAck, DeliveryReceiver } from '@pigeonhole/core'
import type { Context, MiddlewareHandler, TypedResponse } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ResolvedOptions } from '../options.js'
import { BodyTooLarge, contentLength, readLimited } from './body.js'
import {
  DeliveriesRequestSchema,
  type DeliveriesResponse,
  DeliveriesResponseSchema,
  ErrorResponseSchema,
  peerIdPattern,
} from './schemas.js'
import {
  looksLikeSignature,
  peerHeader,
  type ReplayGuard,
  signatureHeader,
  signaturesEqual,
  signRequest,
  signResponse,
  timestampHeader,
} from './signing.js'

/** The peer endpoint's path, relative to a peer's base URL (and signed as such). */
export const deliveriesPath = '/peer/v1/deliveries'

const signedHeaders = z.object({
  [peerHeader]: z.string().openapi({ description: 'the sending peer id', example: 'a' }),
  [timestampHeader]: z.string().openapi({ description: 'ms since the epoch', example: '1' }),
  [signatureHeader]: z.string().openapi({ description: 'v1=<base64url HMAC-SHA256>' }),
})

const errorBody = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorResponseSchema } },
})

/** `POST /peer/v1/deliveries`, described for the OpenAPI document. */
export const deliveriesRoute = createRoute({
  method: 'post',
  path: deliveriesPath,
  summary: "A peer's batch of deliveries",
  description:
    'Signed with the shared secret (see the README). Answered once the receiving engine ' +
    'committed the batch, with one ack per delivery in order; the answer is signed too.',
  request: {
    headers: signedHeaders,
    body: {
      required: true,
      content: { 'application/json': { schema: DeliveriesRequestSchema } },
    },
  },
  responses: {
    200: {
      description: 'The batch committed: one ack per delivery, in order',
      content: { 'application/json': { schema: DeliveriesResponseSchema } },
    },
    400: errorBody('The body is not a valid batch'),
    401: errorBody('Unsigned, badly signed, replayed or stale; nothing was stored'),
    413: errorBody('The body is over the limit'),
    500: errorBody('The receiving engine failed; retry'),
    503: errorBody('Stopping, or too many recent requests; retry (Retry-After)'),
  },
})

/** What the endpoint needs from the transport that serves it. */
export interface PeerEndpoint {
  options: ResolvedOptions
  receiver: DeliveryReceiver
  replay: ReplayGuard
  /** True once the transport is stopping: requests get 503. */
  stopping(): boolean
  /** Runs one receiver call, so stopping can wait for the calls in progress. */
  track<T>(work: Promise<T>): Promise<T>
  /** Aborted when the transport stops: bodies still being read stop. */
  signal: AbortSignal
}

type Env = { Variables: { peer: string; signature: string; secret: string } }

function fail(c: Context, status: 400 | 401 | 413 | 500 | 503, code: string, message: string) {
  return c.json({ error: { code, message } }, status)
}

/**
 * Checks a request before anything else sees it: the size (413 from Content-Length before
 * reading, then by counting while reading), the signature headers, the replay window, the
 * HMAC over the exact body bytes, and replays. Only then is the body handed on, as text, to
 * the JSON validation.
 */
function authenticate(endpoint: PeerEndpoint): MiddlewareHandler<Env> {
  const { options, replay } = endpoint
  return async (c, next) => {
    if (endpoint.stopping()) return fail(c, 503, 'stopping', 'the peer is stopping')
    const length = contentLength(c.req.header('content-length'))
    if (length !== undefined && length > options.maxBodyBytes) {
      return fail(c, 413, 'too_large', `body over ${options.maxBodyBytes} bytes`)
    }
    const from = c.req.header(peerHeader)
    const stamp = c.req.header(timestampHeader)
    const signature = c.req.header(signatureHeader)
    if (from === undefined || stamp === undefined || signature === undefined) {
      return fail(c, 401, 'unsigned', 'the request is not signed')
    }
    if (!peerIdPattern.test(from) || !/^\d{1,16}$/.test(stamp) || !looksLikeSignature(signature)) {
      return fail(c, 401, 'bad_signature', 'malformed signature headers')
    }
    const secret = options.secretFor(from)
    if (secret === undefined) return fail(c, 401, 'unknown_peer', `no secret for peer "${from}"`)
    const timestamp = Number(stamp)
    const now = options.clock.now()
    if (timestamp < now - options.replayWindowMs) {
      return fail(c, 401, 'stale', 'the timestamp is outside the replay window')
    }
    if (timestamp > now + options.replayWindowMs) {
      return fail(c, 401, 'future', 'the timestamp is ahead of the replay window')
    }
    let body: Buffer
    try {
      body = await readBody(c.req.raw.body, options.maxBodyBytes, endpoint.signal)
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        return fail(c, 413, 'too_large', `body over ${options.maxBodyBytes} bytes`)
      }
      if (endpoint.signal.aborted) return fail(c, 503, 'stopping', 'the peer is stopping')
      return fail(c, 400, 'unreadable', 'the body could not be read')
    }
    const expected = signRequest(secret, {
      method: c.req.method,
      path: deliveriesPath,
      from,
      to: options.peerId,
      timestamp: stamp,
      body,
    })
    if (!signaturesEqual(signature, expected)) {
      return fail(c, 401, 'bad_signature', 'the signature does not match')
    }
    // Checked after the HMAC: only a genuine signature takes room in the replay guard.
    const admitted = replay.admit(signature, timestamp, options.clock.now())
    if (admitted.result === 'replayed') {
      return fail(c, 401, 'replayed', 'this request was already received')
    }
    if (admitted.result === 'full') {
      c.header('Retry-After', String(Math.ceil(admitted.retryAfterMs / 1000)))
      return fail(c, 503, 'busy', 'too many recent requests')
    }
    c.set('peer', from)
    c.set('signature', signature)
    c.set('secret', secret)
    // The validator reads the body through Hono's body cache: give it the bytes already read
    // (the cache holds promises, though its type says otherwise).
    c.req.bodyCache.text = Promise.resolve(body.toString('utf8')) as unknown as string
    await next()
  }
}

/** The body, counted while read, stopped when the transport stops. */
async function readBody(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
  signal: AbortSignal,
): Promise<Buffer> {
  if (signal.aborted) throw signal.reason
  const onAbort = () => stream?.cancel(signal.reason).catch(() => {})
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await readLimited(stream, max)
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** The Hono app serving the peer endpoint. */
export function peerApp(endpoint: PeerEndpoint): OpenAPIHono<Env> {
  const { options } = endpoint
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return fail(c, 400, 'invalid_body', z.prettifyError(result.error))
      }
    },
  })
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status === 400) {
      return fail(c, 400, 'invalid_body', error.message)
    }
    return fail(c, 500, 'internal', 'the peer failed')
  })
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint' } }, 404))

  app.on('POST', deliveriesPath, authenticate(endpoint))
  app.openapi(deliveriesRoute, async (c) => {
    const peer = c.get('peer')
    const { from, deliveries } = c.req.valid('json')
    if (from !== peer) {
      return fail(c, 401, 'wrong_peer', `the body says from "${from}", signed by "${peer}"`)
    }
    let acks: DeliveryAck[]
    try {
      acks = await endpoint.track(endpoint.receiver(peer, deliveries))
    } catch {
      return fail(c, 500, 'receiver_failed', 'the receiving engine failed; retry')
    }
    if (!Array.isArray(acks) || acks.length !== deliveries.length) {
      return fail(c, 500, 'receiver_failed', 'the receiving engine answered no ack per delivery')
    }
    const answer: DeliveriesResponse = { acks }
    // Serialized here, not by c.json: the signature covers these exact bytes.
    const bytes = Buffer.from(JSON.stringify(answer))
    const signature = signResponse(c.get('secret'), {
      status: 200,
      requestSignature: c.get('signature'),
      from: options.peerId,
      to: peer,
      body: bytes,
    })
    const response = c.body(bytes, 200, {
      'content-type': 'application/json',
      [peerHeader]: options.peerId,
      [signatureHeader]: signature,
    })
    return response as unknown as TypedResponse<DeliveriesResponse, 200, 'json'>
  })
  return app
}
