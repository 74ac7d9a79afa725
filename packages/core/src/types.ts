import type { FileMeta } from './files/types.js'

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
/** Message content: a JSON object, `{ subject?, text? }` or a typed object with `@type`. */
export type Content = { [key: string]: Json }
/**
 * JSON as a caller writes it: a field may be typed optional (`title?: string`) and left out.
 * A field present with the value `undefined` is still refused at run time (it is not JSON).
 */
export type JsonInput =
  | string
  | number
  | boolean
  | null
  | JsonInput[]
  | { [key: string]: JsonInput | undefined }
/** Message content as `send`, `update` and `broadcast` take it (read back as `Content`). */
export type ContentInput = { [key: string]: JsonInput | undefined }

/** How an account accepts messages. `open` takes anything. */
export type ConsentMode = 'open' | 'opt-in' | 'requests'

/**
 * What an account holds about one sender: `allowed` (granted), `denied` (revoked: blocked), or
 * `unknown` (never either). The sender `system` is `allowed` until revoked.
 */
export type ConsentState = 'allowed' | 'denied' | 'unknown'

/** Why consent refuses a recipient (`consent.check`, `consent_required` details). */
export type ConsentReason = 'recipient_not_found' | 'not_granted' | 'revoked'

/** `consent.check`: whether a message from `sender` would reach `recipient`, and where. */
export interface ConsentCheck {
  allowed: boolean
  /** Why not (only when `allowed` is false). */
  reason?: ConsentReason
  /** The box it would land in (only when `allowed`): `inbox`, or `requests` for an unknown sender. */
  box?: 'inbox' | 'requests'
}

/** What grant or revoke did. */
export interface ConsentChangeResult {
  owner: string
  sender: string
  /** The state now. */
  state: 'allowed' | 'denied'
  /** The state before the call. */
  previous: ConsentState
  /** False when the state already was `state`: then nothing was written and no event emitted. */
  changed: boolean
  /** Entries of `sender` moved from the owner's `requests` box to `inbox` (grant, mode `requests`). */
  moved: number
  /** Entries of `sender` deleted from the owner's `requests` box (revoke, mode `requests`). */
  dropped: number
}

/** One change in `consent.feed`. */
export interface ConsentFeedItem {
  /** The account that granted or revoked. */
  owner: string
  sender: string
  state: 'granted' | 'revoked'
  /** When, ms since the epoch. */
  at: number
}

/** A state an account holds about one sender (`consent.list`). */
export interface ConsentEntry {
  owner: string
  sender: string
  /** `allowed` (granted) or `denied` (revoked); senders without a row are `unknown`. */
  state: 'allowed' | 'denied'
  /** When it last changed, ms since the epoch. */
  updatedAt: number
}

/** A recipient a send with `onConsentMissing: 'skip'` left out, and why. */
export interface SkippedRecipient {
  recipient: string
  reason: ConsentReason
}

/** What `messages.send` returns: the Message, plus `skipped` when recipients were left out. */
export type SendResult = Message & { skipped?: SkippedRecipient[] }

export interface Account {
  address: string
  displayName: string | null
  consent: ConsentMode
  createdAt: number
  updatedAt: number
  version: number
}

/** Shared content of a message, stored once for all its recipients. */
export interface Message {
  id: string
  /** The sender's address, or null for a system message. */
  from: string | null
  /** Recipient addresses; empty for a broadcast (it went to every account). */
  to: string[]
  content: Content
  attachments: string[]
  threadId: string | null
  broadcast: boolean
  createdAt: number
  updatedAt: number
  /** 1 when sent, +1 on every edit. */
  version: number
  idempotencyKey: string | null
  /** Set when the sender retracted it: its content is gone for everyone. */
  retractedAt: number | null
  /**
   * Set only by the reads that resolve remote content (`messages.get`, `messages.getItem`) on a
   * message whose stored content is a `RemoteContent`: whether `content` is what the sender's
   * resolver gave, or still the stored `RemoteContent` (and why).
   */
  remote?: RemoteInfo
  /**
   * Set only by `messages.get` and `messages.getItem` on a message with attachments: the
   * metadata of each attached file, in `attachments` order (`expired: true` once it expired).
   */
  files?: FileMeta[]
}

/**
 * Content whose full text stays with the sender: the engine stores only `ref` and `summary`,
 * and `messages.get` / `getItem` ask the sender's resolver for the content on every read.
 */
export interface RemoteContent {
  '@type': 'RemoteContent'
  /** What the sender's system finds the content by: 1 to 2000 characters. */
  ref: string
  /** What lists show (they never call a resolver): like plain content, without the details. */
  summary?: {
    /** 1 to 200 characters. */
    subject?: string
    /** 1 to 2000 characters. */
    text?: string
  }
}

/** Whether a read got the remote content. */
export type RemoteStatus = 'resolved' | 'unavailable'

/**
 * Why a read could not show the remote content: `no_resolver` (none registered for the
 * sender), `resolver_failed` (it threw or rejected), `resolver_timeout` (no answer within
 * `remoteContent.timeoutMs`), `invalid_content` (its answer is not JSON content, or too big).
 */
export type RemoteUnavailableCode =
  | 'no_resolver'
  | 'resolver_failed'
  | 'resolver_timeout'
  | 'invalid_content'

/** What became of a message's remote content on a read (`Message.remote`). */
export type RemoteInfo =
  | { ref: string; status: 'resolved' }
  | { ref: string; status: 'unavailable'; code: RemoteUnavailableCode; message: string }

/** What a resolver is asked: one message's content, for one reader. */
export interface RemoteContentRequest {
  /** The stored `ref`, as the sender gave it. */
  ref: string
  messageId: string
  /** The sender's address (normalized), whose resolver this is. */
  sender: string
  /** The owner reading the message (a recipient, or the sender reading their own). */
  reader: string
  /** Aborted when `remoteContent.timeoutMs` has passed: stop fetching then. */
  signal: AbortSignal
}

/**
 * The host's fetcher of one sender's content: returns the message's content (a JSON object,
 * checked like sent content), or throws. Called once per read, never cached, never stored.
 */
export type RemoteContentResolver = (
  request: RemoteContentRequest,
) => Promise<ContentInput> | ContentInput

/**
 * `remoteContent.resolvers`: resolvers by sender address (keys fold like every address), or a
 * function from a sender's address to its resolver (undefined: that sender has none).
 */
export type RemoteContentResolvers =
  | Record<string, RemoteContentResolver>
  | ((sender: string) => RemoteContentResolver | undefined)

/** Which side of a message an entry is: a message to oneself has one entry of each. */
export type EntryRole = 'received' | 'sent'

/** One owner's state of one message. */
export interface BoxEntry {
  owner: string
  messageId: string
  role: EntryRole
  box: string
  createdAt: number
  updatedAt: number
  /** 1 when delivered, +1 on every change: read, unread, move, delete. */
  version: number
  readAt: number | null
  deletedAt: number | null
}

/** A message as one owner sees it: their entry and the shared message. */
export interface BoxItem {
  entry: BoxEntry
  message: Message
}

export interface BoxCount {
  total: number
  unread: number
}

export interface BoxSummary extends BoxCount {
  name: string
}

export interface Thread {
  id: string
  subject: string
  participants: string[]
  createdBy: string | null
  createdAt: number
  updatedAt: number
  closedAt: number | null
  version: number
}

/**
 * The sender's view of one recipient's status. A local recipient's receipt is `{ recipient,
 * deliveredAt, readAt }` (stored at once: `deliveredAt` is the send's time). A remote
 * recipient's (`bob@other`, through a transport) also has `status` and, when it failed, `code`
 * and `message`; its `deliveredAt` is null until the recipient's engine stored the message.
 */
export interface Receipt {
  recipient: string
  /** When the message reached the recipient's box; null while a remote one is pending or failed. */
  deliveredAt: number | null
  /** The first time the recipient read it; stays set if they mark it unread again. */
  readAt: number | null
  /**
   * Remote recipients only: `pending` (in the outbox or on its way), `delivered`, `read`, or
   * `failed` (refused by the recipient's engine for good: see `code`).
   */
  status?: 'pending' | 'delivered' | 'read' | 'failed'
  /** For `failed`: the receiving engine's error code (`recipient_not_found`, `consent_required`, ...). */
  code?: string
  /** For `failed`: the receiving engine's message. */
  message?: string
}

export interface Page<T> {
  items: T[]
  /** Pass as `cursor` to get the page after this one; null at the end. */
  nextCursor: string | null
  /** Pass as `cursor` to get the page before this one; null at the start. */
  prevCursor: string | null
}

export interface NumberedPage<T> {
  items: T[]
  page: number
  pageSize: number
  total: number
  pageCount: number
}

export type EventType =
  | 'account.registered'
  | 'account.updated'
  | 'account.removed'
  | 'message.sent'
  | 'message.received'
  | 'message.broadcast'
  | 'message.read'
  | 'message.unread'
  | 'box.markedRead'
  | 'box.markedUnread'
  | 'message.moved'
  | 'message.deleted'
  | 'message.updated'
  | 'message.retracted'
  | 'thread.created'
  | 'thread.closed'
  | 'request.incomingReceived'
  | 'request.statusChanged'
  | 'consent.changed'
  | 'delivery.failed'
  | 'delivery.refused'
  | 'file.uploaded'

/** One stored change. `cursor` grows by commit order; pass it to `events.since`. */
export interface PigeonholeEvent {
  cursor: number
  type: EventType
  at: number
  /** The account whose state changed, when one did. */
  owner: string | null
  messageId: string | null
  data: { [key: string]: Json }
}

/** A difference `verify()` found between what is kept incrementally and a recount. */
export interface Difference {
  kind:
    | 'count_mismatch'
    | 'entry_version_mismatch'
    | 'message_version_mismatch'
    | 'orphan_entry'
    | 'unknown_owner'
    | 'request_without_response'
    | 'orphan_file_chunk'
  /** What was found, e.g. `{ owner, box, kept: {...}, recounted: {...} }`. */
  details: { [key: string]: Json }
}

/** What `verify({ onProgress })` is told: once before the first check, then after each. */
export interface VerifyProgress {
  /** The check just finished (null before the first): `counts`, `entry_versions`, ... */
  check: string | null
  /** Checks finished so far, 0 to `total`. */
  done: number
  total: number
}

export interface VerifyOptions {
  /** Called as the checks finish (a progress bar on a large store). A throw fails `verify`. */
  onProgress?: (progress: VerifyProgress) => void
}

/** The engine's time source, in milliseconds since the epoch. */
export interface Clock {
  now(): number
}

/** The engine's id source: sortable ids prefixed by kind (`msg`, `thr`, ...). */
export interface IdGenerator {
  next(kind: string): string
}
