import type { Json } from '../types.js'

/**
 * Where a request stands. Outgoing: `Draft → Open → Completed`. Incoming: `Open →
 * DecisionRequired → ManualDecisionRequired → Decided → Completed`. A request not yet decided
 * ends `Expired` past its `expiresAt`; an `Expired` outgoing request is still completed by a
 * Response created before `expiresAt`. `Completed` never changes.
 */
export type RequestStatus =
  | 'Draft'
  | 'Open'
  | 'DecisionRequired'
  | 'ManualDecisionRequired'
  | 'Decided'
  | 'Completed'
  | 'Expired'

/** `outgoing`: the owner asks the peer; `incoming`: the peer asks the owner. */
export type RequestDirection = 'outgoing' | 'incoming'

/** One thing asked: `@type` names its kind (`AuthenticationRequestItem`, ...). */
export type RequestItem = {
  '@type': string
  /** Accepting the request requires accepting this item. */
  mustBeAccepted: boolean
  title?: string
  description?: string
  /** Fields of the item's kind (`consent`, `link`, ...). */
  [key: string]: Json | undefined
}

/** Items asked together; one level deep (a group holds items, not groups). */
export type RequestItemGroup = {
  '@type': 'RequestItemGroup'
  title?: string
  description?: string
  items: RequestItem[]
}

/** The content of a message that carries a request, as JSON. */
export type RequestContent = {
  '@type': 'Request'
  /** The request's id, the same on both sides (`req_…` when this engine made it). */
  id: string
  /** Ms since the epoch; past it a request not yet decided is `Expired`. */
  expiresAt?: number
  title?: string
  description?: string
  items: (RequestItem | RequestItemGroup)[]
}

/** An accepted item; a processor may return its own `@type` with more fields (`freeText`). */
export type AcceptResponseItem = {
  '@type': string
  result: 'Accepted'
  [key: string]: Json | undefined
}

export type RejectResponseItem = {
  '@type': 'RejectResponseItem'
  result: 'Rejected'
  /** The rejecter's reason code, if they gave one. */
  code?: string
  message?: string
}

/** An item the responder could not process. */
export type ErrorResponseItem = {
  '@type': 'ErrorResponseItem'
  result: 'Error'
  code: string
  message: string
}

export type ResponseItem = AcceptResponseItem | RejectResponseItem | ErrorResponseItem

/** The answers to a group's items, in their order. */
export type ResponseItemGroup = {
  '@type': 'ResponseItemGroup'
  items: ResponseItem[]
}

/** The content of a message that answers a request: one answer per item, in order. */
export type ResponseContent = {
  '@type': 'Response'
  requestId: string
  result: 'Accepted' | 'Rejected'
  items: (ResponseItem | ResponseItemGroup)[]
}

/** A status the request went through, and when. */
export interface RequestStatusChange {
  from: RequestStatus | null
  to: RequestStatus
  at: number
  /** The decider rule that made this change, when one did. */
  by?: string
}

/** One side of a request, as its owner holds it. */
export interface LocalRequest {
  id: string
  /** The account this side belongs to. */
  owner: string
  direction: RequestDirection
  /** The other side: the recipient of an outgoing request, the sender of an incoming one. */
  peer: string
  status: RequestStatus
  content: RequestContent
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  /** The message that carried the request (sent or received); null while a Draft. */
  sourceMessageId: string | null
  /** The Response, once sent (incoming) or received (outgoing). */
  response: {
    content: ResponseContent
    /** The message that carried it. */
    messageId: string
    /** When it was created (the message's time). */
    createdAt: number
  } | null
  /** Every status it went through, oldest first. */
  history: RequestStatusChange[]
  /** +1 on every change. */
  version: number
}

/**
 * The outcome of a check (`canCreate`, `canAccept`, `canReject`): a tree that mirrors the
 * request's items and groups. A parent whose child fails fails too (with `code`
 * `item_invalid` when nothing else is wrong with it).
 */
export interface ValidationResult {
  isSuccess: boolean
  code?: string
  message?: string
  items: ValidationResult[]
}

/** The decision on one item: accept (with the parameters its kind needs) or reject. */
export type DecideItem =
  | { accept: true; [key: string]: Json | undefined }
  | { accept: false; code?: string; message?: string }

/** The decisions on a group's items, in order. */
export interface DecideGroup {
  items: DecideItem[]
}

/** What a processor sees about the request an item belongs to. */
export interface RequestItemContext {
  /** The account acting: the creator (create) or the recipient (accept). */
  owner: string
  peer: string
  requestId: string
  now: number
}

/** Why a processor refuses an item. */
export interface ItemFailure {
  code: string
  message: string
}

/**
 * What a host registers for its own item kind (`openPigeonhole({ requests: { processors } })`).
 * Built-in kinds: `AuthenticationRequestItem`, `ConsentRequestItem`, `FreeTextRequestItem`.
 */
export interface RequestItemProcessor {
  /** The item `@type` it handles, e.g. `ShareAddressRequestItem`. */
  readonly type: string
  /** Checks an item when a request is created; undefined: fine. Default: fine. */
  validate?(item: RequestItem, context: RequestItemContext): ItemFailure | undefined
  /** Checks the parameters an accept gives for the item; undefined: fine. Default: fine. */
  canAccept?(
    item: RequestItem,
    params: { [key: string]: Json | undefined },
    context: RequestItemContext,
  ): ItemFailure | undefined
  /**
   * Runs inside the accept's transaction (what it throws rolls the accept back and reaches the
   * caller); returns the item's answer. Default: `{ '@type': 'AcceptResponseItem', result: 'Accepted' }`.
   */
  accept?(
    item: RequestItem,
    params: { [key: string]: Json | undefined },
    context: RequestItemContext,
  ): AcceptResponseItem | undefined | Promise<AcceptResponseItem | undefined>
}

/** A decision a decider rule makes for an incoming request (see `RequestDecider`). */
export type RequestDecision =
  | { accept: true; items: (DecideItem | DecideGroup)[] }
  | { accept: false; items?: (DecideItem | DecideGroup)[] }

/**
 * A host rule that decides incoming requests as they arrive, in the receiving transaction (an
 * app that accepts authentication requests from its own service, say). Deciders are asked in
 * order; the first to return a decision decides. A decision that fails `canAccept` /
 * `canReject` leaves the request `ManualDecisionRequired`.
 */
export interface RequestDecider {
  /** Names the rule: the `by` of the status change it made. */
  readonly name: string
  /** The decision, or undefined to leave the request to the next rule or to the owner. */
  decide(request: LocalRequest): RequestDecision | undefined
}
