import type { EngineContext } from '../engine/context.js'
import type { Page } from '../types.js'
import type {
  AcceptRequestInput,
  CreateRequestInput,
  GetRequestInput,
  ListRequestsInput,
  RejectRequestInput,
} from './schemas.js'
import type { LocalRequest, ValidationResult } from './types.js'

/**
 * The Request/Response protocol between peers (after enmeshed): create a Draft, send it in a
 * message, the peer accepts or rejects each item, the Response comes back. Every method takes
 * the acting `owner`.
 */
export class Requests {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** Whether `create` would succeed: a result per item; never throws for domain reasons. */
  async canCreate(input: CreateRequestInput): Promise<ValidationResult> {
    void this.#ctx
    void input
    throw new Error('not implemented')
  }

  /** Stores an outgoing request as a `Draft`; send a message with its `content` to open it. */
  async create(input: CreateRequestInput): Promise<LocalRequest> {
    void input
    throw new Error('not implemented')
  }

  /** One side of a request, or null. Past `expiresAt`, a request not yet decided is stored `Expired` first. */
  async get(input: GetRequestInput): Promise<LocalRequest | null> {
    void input
    throw new Error('not implemented')
  }

  /** The owner's requests, newest first, by keyset cursor. */
  async list(input: ListRequestsInput): Promise<Page<LocalRequest>> {
    void input
    throw new Error('not implemented')
  }

  /** Whether `accept` would succeed with these decisions: a tree that mirrors the items. */
  async canAccept(input: AcceptRequestInput): Promise<ValidationResult> {
    void input
    throw new Error('not implemented')
  }

  /** Accepts an incoming request: `Decided`, the Response sent, `Completed`, in one transaction. */
  async accept(input: AcceptRequestInput): Promise<LocalRequest> {
    void input
    throw new Error('not implemented')
  }

  /** Whether `reject` would succeed. */
  async canReject(input: RejectRequestInput): Promise<ValidationResult> {
    void input
    throw new Error('not implemented')
  }

  /** Rejects an incoming request: a `Rejected` Response is sent and it ends `Completed`. */
  async reject(input: RejectRequestInput): Promise<LocalRequest> {
    void input
    throw new Error('not implemented')
  }

  /** Stores `Expired` on every request past `expiresAt` not yet decided; returns how many. */
  async expireDue(): Promise<number> {
    throw new Error('not implemented')
  }
}
