/** Every error code the engine raises, with what it means. One table, stable strings. */
export const errorCodes = {
  invalid_input: 'the input failed validation; nothing was written',
  not_found: 'the addressed account, message, thread or box entry does not exist',
  already_exists: 'an account with this address is already registered',
  recipient_not_found: 'a recipient address is not registered; nothing was stored',
  consent_required: 'the recipient has not consented to messages from this sender',
  version_conflict: 'expectedVersion is stale: someone else changed the record first',
  idempotency_conflict: 'the idempotency key was used before with a different payload',
  invalid_transition: 'the record is in a state that does not allow this change',
  request_peer_mismatch:
    'a Request message must go to exactly its peer; a Response must come from the request peer',
  request_content_mismatch: "the Request message's content differs from the stored Draft",
  request_expired: 'the request is past its expiresAt (or the Response was created after it)',
  request_already_sent: 'the request was sent before: a Draft is sent once',
  request_id_conflict: 'the recipient already holds a request with this id from another message',
  thread_closed: 'the thread is closed and takes no new messages',
  forbidden: 'the caller may not do this to this record',
  refused: 'a send policy refused the send; details.policy and details.code say which and why',
  rate_limited: 'too many calls; retry after details.retryAfterMs',
  queue_full:
    'too many messages wait in the outbox for a remote recipient (delivery.maxPendingPerRecipient)',
  file_too_large: 'the file is larger than the configured limit',
  integrity_error: 'stored data failed an integrity check',
  store_error: 'the store failed in a way the engine could not recover from',
  closed: 'the engine was closed',
} as const

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof errorCodes

/** The one error class of Pigeonhole: a stable `code`, a readable message and `details`. */
export class PigeonholeError extends Error {
  override readonly name = 'PigeonholeError'
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.code = code
    this.details = details
  }
}

/** True when `error` is a PigeonholeError, optionally with the given code. */
export function isPigeonholeError(error: unknown, code?: ErrorCode): error is PigeonholeError {
  return error instanceof PigeonholeError && (code === undefined || error.code === code)
}
