import { z } from '@hono/zod-openapi'
import { type ErrorCode, isPigeonholeError } from '@pigeonhole/core'

/** Codes of the REST layer itself, beside the engine's `ErrorCode`s. */
export type RestErrorCode = 'unauthenticated' | 'route_not_found' | 'internal'

/**
 * The one table from error code to HTTP status. `consent_required` is 403, not 409: the
 * recipient refuses this sender (its consent is an authorisation decision), and a client that
 * retries conflicts (409) should not retry it.
 */
export const statusOfCode: Record<ErrorCode | RestErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  consent_required: 403,
  refused: 403,
  not_found: 404,
  route_not_found: 404,
  already_exists: 409,
  version_conflict: 409,
  idempotency_conflict: 409,
  invalid_transition: 409,
  thread_closed: 409,
  request_already_sent: 409,
  request_id_conflict: 409,
  request_expired: 410,
  file_too_large: 413,
  recipient_not_found: 422,
  request_peer_mismatch: 422,
  request_content_mismatch: 422,
  rate_limited: 429,
  integrity_error: 500,
  internal: 500,
  queue_full: 503,
  store_error: 503,
  closed: 503,
}

const titles: Partial<Record<ErrorCode | RestErrorCode, string>> = {
  invalid_input: 'Invalid input',
  unauthenticated: 'Missing or invalid API key',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  route_not_found: 'No such route',
  rate_limited: 'Too many sends',
  file_too_large: 'File too large',
  internal: 'Internal error',
}

/** The `type` URI of a problem: a URN per code (stable, not meant to be dereferenced). */
export const problemType = (code: string) => `urn:pigeonhole:problem:${code}`

/** An RFC 9457 problem details object, with the engine's `code` and `details`. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  details?: Record<string, unknown>
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:pigeonhole:problem:not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({
      description: "The engine's error code (or unauthenticated, route_not_found, internal)",
    }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem')

export function problem(
  code: ErrorCode | RestErrorCode,
  detail: string,
  details?: Record<string, unknown>,
): Problem {
  return {
    type: problemType(code),
    title: titles[code] ?? code.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase()),
    status: statusOfCode[code],
    detail,
    code,
    ...(details === undefined ? {} : { details }),
  }
}

/** Thrown inside handlers to answer with a problem. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail)
  }
}

export const fail = (
  code: ErrorCode | RestErrorCode,
  detail: string,
  details?: Record<string, unknown>,
): never => {
  throw new ProblemError(problem(code, detail, details))
}

/** The problem response for anything a handler threw. */
export function problemResponse(error: unknown): Response {
  let body: Problem
  const headers = new Headers({ 'content-type': 'application/problem+json' })
  if (error instanceof ProblemError) body = error.problem
  else if (isPigeonholeError(error)) {
    body = problem(error.code, error.message, error.details as Record<string, unknown>)
    if (error.code === 'rate_limited') rateLimitHeaders(headers, error.details)
  } else body = problem('internal', 'the server failed')
  return new Response(JSON.stringify(body), { status: body.status, headers })
}

/**
 * `Retry-After` (whole seconds, rounded up) and the `RateLimit-*` headers (the IETF
 * draft's `RateLimit-Limit`, `-Remaining`, `-Reset`, and `RateLimit-Policy`) from the
 * engine's `rate_limited` details: `retryAfterMs`, `sendsPerSecond`, `burst`.
 */
function rateLimitHeaders(headers: Headers, details: unknown): void {
  const d = (details ?? {}) as { retryAfterMs?: number; sendsPerSecond?: number; burst?: number }
  const seconds = Math.max(1, Math.ceil((d.retryAfterMs ?? 1000) / 1000))
  headers.set('retry-after', String(seconds))
  if (typeof d.burst === 'number' && typeof d.sendsPerSecond === 'number') {
    const window = Math.max(1, Math.ceil(d.burst / d.sendsPerSecond))
    headers.set('ratelimit-limit', String(d.burst))
    headers.set('ratelimit-remaining', '0')
    headers.set('ratelimit-reset', String(seconds))
    headers.set('ratelimit-policy', `${d.burst};w=${window}`)
  }
}
