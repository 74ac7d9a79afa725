import type { Generated } from 'kysely'

/** JSON stored as text (SQLite) or jsonb (PostgreSQL); core writes strings, reads either. */
export type JsonColumn = string

/** A registered address on this engine. */
export interface AccountsTable {
  address: string
  display_name: string | null
  consent: string
  created_at: number
  updated_at: number
  version: number
}

/** A removed account's address: never registered again. */
export interface RemovedAccountsTable {
  address: string
  removed_at: number
}

/** Shared message content, stored once. */
export interface MessagesTable {
  id: string
  sender: string | null
  recipients: JsonColumn
  content: JsonColumn
  content_type: string | null
  attachments: JsonColumn
  thread_id: string | null
  broadcast: number
  created_at: number
  updated_at: number
  version: number
  /** `sender` or '' for system messages, so the unique index also covers them. */
  idem_sender: string
  idempotency_key: string | null
  payload_hash: string | null
  retracted_at: number | null
}

/** Per-owner state of one message: which box, read or not, its own version. */
export interface BoxEntriesTable {
  owner: string
  message_id: string
  /** 'received' or 'sent': a message to oneself has one entry of each. */
  role: string
  box: string
  created_at: number
  updated_at: number
  version: number
  read_at: number | null
  /** First time read; kept when marked unread again (the sender's read receipt). */
  seen_at: number | null
  deleted_at: number | null
}

/** Live totals per owner and box, kept in the same transaction as every change. */
export interface BoxCountsTable {
  owner: string
  box: string
  total: number
  unread: number
}

export interface ThreadsTable {
  id: string
  subject: string
  created_by: string | null
  created_at: number
  updated_at: number
  closed_at: number | null
  version: number
}

export interface ThreadParticipantsTable {
  thread_id: string
  address: string
}

/** The outbox: one row per change, written in the change's transaction. */
export interface EventsTable {
  cursor: Generated<number>
  type: string
  owner: string | null
  message_id: string | null
  entry_role: string | null
  data: JsonColumn
  created_at: number
}

/** One side of a request, held by `owner` (see requests/types.ts for the meaning of each field). */
export interface RequestsTable {
  owner: string
  id: string
  /** 'outgoing' or 'incoming'. */
  direction: string
  peer: string
  status: string
  content: JsonColumn
  created_at: number
  updated_at: number
  expires_at: number | null
  source_message_id: string | null
  response: JsonColumn | null
  response_message_id: string | null
  responded_at: number | null
  /** The status changes, oldest first. */
  history: JsonColumn
  version: number
}

/** The consent of `owner` to messages from `sender` ('system': system messages and broadcasts). */
export interface ConsentsTable {
  owner: string
  sender: string
  /** 'allowed' or 'denied'; no row is 'unknown'. */
  state: string
  updated_at: number
}

/** One consent change, appended by grant and revoke (read by `consent.feed`). */
export interface ConsentLogTable {
  id: string
  owner: string
  sender: string
  /** 'granted' or 'revoked'. */
  state: string
  at: number
}

/** What waits to go to a remote peer (see migration 007-delivery). */
export interface OutboxTable {
  id: string
  /** The remote peer id. */
  peer: string
  /** The local address whose deliveries to `peer` keep their order. */
  pair: string
  /** 'message' or 'receipt'. */
  kind: string
  message_id: string
  /** The Delivery as JSON, without its id. */
  payload: string
  created_at: number
  due_at: number
  attempts: number
  claimed_by: string | null
  claimed_until: number | null
  last_error: string | null
}

/** The sender's view of one remote recipient of one of its messages. */
export interface RemoteReceiptsTable {
  message_id: string
  recipient: string
  peer: string
  /** 'pending', 'delivered', 'read' or 'failed'. */
  status: string
  code: string | null
  message: string | null
  delivered_at: number | null
  read_at: number | null
  updated_at: number
}

/** One uploaded file: metadata, the format header and the wrapped file key. */
export interface FilesTable {
  id: string
  owner: string
  name: string
  mime_type: string
  /** 'uploading', 'ready' or 'expired' (chunks and key deleted, metadata kept). */
  status: string
  size: number
  sha256: string | null
  header: Uint8Array | null
  wrapped_key: Uint8Array | null
  /** Which master key wrapped `wrapped_key` (see files/master-key.ts). */
  key_id: string | null
  chunk_count: number
  created_at: number
  updated_at: number
  expires_at: number | null
  /** When the owner deleted it: then only messages that attach it keep it. */
  deleted_at: number | null
}

/** A sealed chunk of a file, when chunks live in the database. */
export interface FileChunksTable {
  file_id: string
  idx: number
  bytes: Uint8Array
}

/** Which message attaches which file. */
export interface MessageFilesTable {
  message_id: string
  file_id: string
}

/** The engine's own values by name (the generated master key). */
export interface SettingsTable {
  name: string
  value: string
  updated_at: number
}

/** A REST API key: only its SHA-256 is kept. */
export interface ApiKeysTable {
  id: string
  /** Hex SHA-256 of the key. */
  hash: string
  /** The account every call made with it acts as; null: an admin key. */
  account: string | null
  label: string
  created_at: number
  revoked_at: number | null
}

/** A webhook endpoint's delivery state (its URL and secret are the host's configuration). */
export interface WebhookEndpointsTable {
  id: string
  /** Events after this cursor are delivered. */
  start_cursor: number
  /** Every event up to this cursor has its account's queue row. */
  scanned: number
  created_at: number
  disabled_at: number | null
  disabled_reason: string | null
}

/** One ordered webhook queue: an endpoint and an account ('' for events without owner). */
export interface WebhookCursorsTable {
  endpoint: string
  account: string
  /** The last event acknowledged. */
  cursor: number
  /** The newest event of the account seen: work waits while head > cursor. */
  head: number
  attempts: number
  due_at: number
  claimed_by: string | null
  claimed_until: number | null
  last_error: string | null
  updated_at: number
}

export interface Database {
  accounts: AccountsTable
  removed_accounts: RemovedAccountsTable
  messages: MessagesTable
  box_entries: BoxEntriesTable
  box_counts: BoxCountsTable
  threads: ThreadsTable
  thread_participants: ThreadParticipantsTable
  events: EventsTable
  requests: RequestsTable
  consents: ConsentsTable
  consent_log: ConsentLogTable
  outbox: OutboxTable
  remote_receipts: RemoteReceiptsTable
  files: FilesTable
  file_chunks: FileChunksTable
  message_files: MessageFilesTable
  settings: SettingsTable
  api_keys: ApiKeysTable
  webhook_endpoints: WebhookEndpointsTable
  webhook_cursors: WebhookCursorsTable
}
