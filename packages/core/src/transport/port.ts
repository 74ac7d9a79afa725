import type { ContentInput, Json } from '../types.js'

/**
 * The transport port: how an engine hands deliveries to another engine and takes theirs. A
 * transport moves bytes and answers; the engine owns the outbox, retries, deduplication and
 * ordering. `memoryNetwork()` (core) and `httpTransport()` (@pigeonhole/transport-http)
 * implement it.
 */
export interface Transport {
  /** This engine's peer id: `alice@<peerId>` is a local address; `bob@<other>` goes to `other`. */
  readonly peerId: string
  /**
   * Starts taking deliveries: `receiver` is called with each batch a peer sends and its answer
   * goes back to that peer. Resolves once deliveries can arrive.
   */
  start(receiver: DeliveryReceiver): Promise<void>
  /**
   * Sends one batch to `peer`, resolving with the peer's answer per delivery, in order, once
   * the peer has committed them. Rejects with a `TransportError` when there is no answer.
   */
  deliver(peer: string, batch: readonly Delivery[]): Promise<DeliveryAck[]>
  /** Stops taking deliveries and sending; deliveries in flight fail with `TransportError`. */
  stop(): Promise<void>
}

/** What a transport calls with a peer's batch: `from` is the sending peer's id. */
export type DeliveryReceiver = (from: string, batch: readonly Delivery[]) => Promise<DeliveryAck[]>

/** One message for the recipients it has at the receiving peer. */
export interface MessageDelivery {
  kind: 'message'
  /** Unique per delivery at the sender (the outbox row), echoed in the ack. */
  id: string
  message: {
    /** The message id, the same on both engines: the receiver deduplicates by it. */
    id: string
    /** The sender's address as the receiver sees it: `alice@<sending peer>`. */
    from: string
    /** Every recipient of the message, as the receiver sees them (its own without `@`). */
    to: string[]
    /** The recipients this delivery is for: local addresses of the receiving peer. */
    for: string[]
    content: ContentInput
    attachments: DeliveredFile[]
    threadId: string | null
    createdAt: number
  }
}

/** An attachment as it crosses the wire: metadata, the file key, and the sealed chunks. */
export interface DeliveredFile {
  id: string
  name: string
  mimeType: string
  size: number
  sha256: string
  /** The file key, base64url: the link between peers must be TLS (see the README). */
  key: string
  /** The file format header, base64url (packages/core/docs/file-format.md). */
  header: string
  /** Sealed chunks in order, base64url. */
  chunks: string[]
  expiresAt: number | null
}

/** A receipt flowing back to the sender's engine: delivered, read, or failed. */
export interface ReceiptDelivery {
  kind: 'receipt'
  id: string
  messageId: string
  /** The recipient, as the sender's engine sees it: `bob@<receiving peer>`. */
  recipient: string
  status: 'delivered' | 'read' | 'failed'
  at: number
  /** For `failed`: the receiver's error code (`recipient_not_found`, `consent_required`, ...). */
  code?: string
  message?: string
}

export type Delivery = MessageDelivery | ReceiptDelivery

/**
 * The receiver's answer to one delivery, given only after its commit. `accepted`: stored now;
 * `duplicate`: stored before (same message id), nothing changed; `refused`: a permanent
 * refusal with the engine's error code, never retried.
 */
export interface DeliveryAck {
  id: string
  status: 'accepted' | 'duplicate' | 'refused'
  code?: string
  message?: string
  details?: { [key: string]: Json }
}

/** A delivery got no answer: retried unless `retryable` is false, not before `retryAfterMs`. */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  readonly status: number | undefined

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause })
    this.retryable = options.retryable
    this.retryAfterMs = options.retryAfterMs
    this.status = options.status
  }
}
