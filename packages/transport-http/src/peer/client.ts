import { type Delivery, type DeliveryAck, TransportError } from '@pigeonhole/core'
import type { ResolvedOptions } from '../options.js'
import { parseRetryAfter } from '../retry-after.js'
import { BodyTooLarge, readLimited } from './body.js'
import { deliveriesPath } from './endpoint.js'
import { DeliveriesResponseSchema } from './schemas.js'
import {
  peerHeader,
  signatureHeader,
  signaturesEqual,
  signRequest,
  signResponse,
  timestampHeader,
} from './signing.js'

/** Why a delivery's request was aborted. */
class Aborted extends Error {
  constructor(readonly why: 'timeout' | 'stopped') {
    super(why)
  }
}

/**
 * Sends `batch` to `peer` and reads the answer: the acks, once verified, or a
 * `TransportError` saying whether to retry.
 *
 * - 2xx: the answer must be signed by the peer (bound to this request's signature) and hold
 *   one valid ack per delivery, in order; anything else is retryable (the batch may or may
 *   not have been committed: the receiver deduplicates).
 * - 429 and 503: retryable, with `retryAfterMs` from `Retry-After` (seconds or an HTTP date).
 * - 408, other 5xx, a network error, a timeout, the transport stopping: retryable.
 * - 3xx, 400, 401, 403, 404, 413 and other 4xx: not retryable (the status is on the error).
 */
export async function deliverTo(
  options: ResolvedOptions,
  peer: string,
  batch: readonly Delivery[],
  signal: AbortSignal,
): Promise<DeliveryAck[]> {
  const base = options.peerUrl(peer)
  const secret = options.secretFor(peer)
  if (base === undefined) {
    throw new TransportError(`unknown peer "${peer}": no URL for it`, { retryable: false })
  }
  if (secret === undefined) {
    throw new TransportError(`unknown peer "${peer}": no secret for it`, { retryable: false })
  }
  let url: URL
  try {
    url = endpointUrl(base)
  } catch (cause) {
    throw new TransportError(`peer "${peer}": bad URL "${base}"`, { retryable: false, cause })
  }
  const body = Buffer.from(JSON.stringify({ from: options.peerId, deliveries: batch }))
  const timestamp = String(options.clock.now())
  const signature = signRequest(secret, {
    method: 'POST',
    path: deliveriesPath,
    from: options.peerId,
    to: peer,
    timestamp,
    body,
  })

  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Aborted('timeout')), options.timeoutMs)
  const onStop = () => controller.abort(new Aborted('stopped'))
  if (signal.aborted) onStop()
  signal.addEventListener('abort', onStop, { once: true })
  let response: Response
  let answer: Buffer
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [peerHeader]: options.peerId,
        [timestampHeader]: timestamp,
        [signatureHeader]: signature,
      },
      body,
      redirect: 'manual',
      signal: controller.signal,
    })
    answer = await readLimited(response.body, options.maxBodyBytes)
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined
    if (reason instanceof Aborted && reason.why === 'timeout') {
      throw new TransportError(`peer "${peer}": no answer within ${options.timeoutMs} ms`, {
        retryable: true,
        cause: error,
      })
    }
    if (reason instanceof Aborted) {
      throw new TransportError('the transport stopped', { retryable: true, cause: error })
    }
    if (error instanceof BodyTooLarge) {
      throw new TransportError(`peer "${peer}": answer over ${options.maxBodyBytes} bytes`, {
        retryable: true,
        cause: error,
      })
    }
    throw new TransportError(`peer "${peer}": ${describe(error)}`, {
      retryable: true,
      cause: error,
    })
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onStop)
  }

  const status = response.status
  if (status >= 200 && status < 300) {
    return readAcks(secret, options.peerId, peer, signature, response, answer, batch)
  }
  const detail = `peer "${peer}" answered ${status}${errorMessage(answer)}`
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.clock.now())
    throw new TransportError(detail, { retryable: true, status, retryAfterMs })
  }
  const retryable = status >= 500 || status === 408
  throw new TransportError(detail, { retryable, status })
}

/** The acks of a 2xx answer, checked: signed by the peer, valid, one per delivery in order. */
function readAcks(
  secret: string,
  self: string,
  peer: string,
  requestSignature: string,
  response: Response,
  answer: Buffer,
  batch: readonly Delivery[],
): DeliveryAck[] {
  const status = response.status
  const malformed = (why: string) =>
    new TransportError(`peer "${peer}" answered ${status}: ${why}`, { retryable: true, status })
  const given = response.headers.get(signatureHeader)
  const expected = signResponse(secret, {
    status,
    requestSignature,
    from: peer,
    to: self,
    body: answer,
  })
  if (given === null) throw malformed('the answer is not signed')
  if (response.headers.get(peerHeader) !== peer || !signaturesEqual(given, expected)) {
    throw malformed('the answer is not signed by the peer')
  }
  let json: unknown
  try {
    json = JSON.parse(answer.toString('utf8'))
  } catch {
    throw malformed('the answer is not JSON')
  }
  const parsed = DeliveriesResponseSchema.safeParse(json)
  if (!parsed.success) throw malformed('the answer is not a list of acks')
  const { acks } = parsed.data
  if (acks.length !== batch.length || acks.some((ack, i) => ack.id !== batch[i]!.id)) {
    throw malformed('the acks do not match the batch')
  }
  return acks
}

/** The endpoint under a peer's base URL (`http://host:4002` or `https://host/pigeonhole/`). */
export function endpointUrl(base: string): URL {
  const url = new URL(base)
  url.pathname = url.pathname.replace(/\/+$/, '') + deliveriesPath
  return url
}

/** `: <message>` from an error body `{ error: { message } }`, if there is one. */
function errorMessage(body: Buffer): string {
  try {
    const message = JSON.parse(body.toString('utf8'))?.error?.message
    return typeof message === 'string' ? `: ${message.slice(0, 500)}` : ''
  } catch {
    return ''
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}
