import type { Insertable } from 'kysely'
import type { z } from 'zod'
import { registeredAccounts } from '../accounts/lookup.js'
import type { BoxEntriesTable, MessagesTable } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { insertRows } from '../engine/insert-rows.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { participantsOf } from '../threads/threads.js'
import type { Content, Message } from '../types.js'
import { payloadHash } from '../util/canonical-json.js'
import { chunk } from '../util/chunk.js'
import { contentJson } from './content-size.js'
import { toMessage } from './rows.js'
import type { sendInput } from './schemas.js'

/** A send that passed validation, with addresses normalized. */
export interface PreparedSend {
  from: string | null
  to: string[] | undefined
  content: Content
  /** `content` as JSON, serialized once when its size was checked. */
  contentJson: string
  attachments: string[]
  threadId: string | null
  idempotencyKey: string | null
}

/** What happened to one send of a batch. */
export type SendOutcome =
  | { status: 'created'; message: Message }
  | { status: 'duplicate'; message: Message }
  | { status: 'failed'; error: PigeonholeError }

/** Normalizes a parsed send and checks what the schema cannot (content size). */
export function prepareSend(
  ctx: EngineContext,
  input: z.output<typeof sendInput>,
  where: string,
): PreparedSend {
  const json = contentJson(ctx, input.content, where)
  const norm = (a: string) => normalizeAddress(a, ctx.peerId)
  return {
    from: input.from === null ? null : norm(input.from),
    to: input.to === undefined ? undefined : [...new Set(input.to.map(norm))],
    content: input.content,
    contentJson: json,
    attachments: input.attachments ?? [],
    threadId: input.threadId ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
  }
}

interface ThreadInfo {
  closed: boolean
  participants: string[]
}

/**
 * Stores a batch of sends in the caller's transaction. Every check is a read made before any
 * write, so an item that fails writes nothing; the others are stored together.
 */
export async function storeSends(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<SendOutcome[]> {
  const params = ctx.maxParameters
  const threads = await loadThreads(tx, items, params)
  const recipients = items.map((item) => resolveRecipients(item, threads))
  const existing = await loadByKeys(tx, items, params)
  const known = await loadAccounts(ctx, tx, items, recipients)

  const outcomes: SendOutcome[] = []
  const messages: Insertable<MessagesTable>[] = []
  const entries: Insertable<BoxEntriesTable>[] = []
  items.forEach((item, i) => {
    const to = recipients[i]!
    const keyId =
      item.idempotencyKey === null ? null : `${item.from ?? ''}\u0000${item.idempotencyKey}`
    // Only a keyed send is compared with an earlier one: hash nothing else (it is on the hot path).
    const hash =
      keyId === null
        ? null
        : payloadHash({
            // Sorted: a retry naming the recipients in another order is the same send.
            to: [...to].sort(),
            content: item.content,
            attachments: item.attachments,
            threadId: item.threadId,
          })
    // Before the key lookup: the keys of a removed sender answer no one.
    if (item.from !== null && !known.has(item.from)) {
      outcomes.push({ status: 'failed', error: noSender(item.from) })
      return
    }
    const previous = keyId === null ? undefined : existing.get(keyId)
    if (previous) {
      outcomes.push(
        previous.payload_hash === hash
          ? { status: 'duplicate', message: toMessage(previous) }
          : {
              status: 'failed',
              error: new PigeonholeError(
                'idempotency_conflict',
                `idempotencyKey: "${item.idempotencyKey}" was used by ${item.from ?? 'the system'} for a different message (${previous.id})`,
                {
                  field: 'idempotencyKey',
                  idempotencyKey: item.idempotencyKey,
                  messageId: previous.id,
                },
              ),
            },
      )
      return
    }
    const error = checkSend(item, to, known, threads)
    if (error) {
      outcomes.push({ status: 'failed', error })
      return
    }
    const row: Insertable<MessagesTable> = {
      id: ctx.ids.next('msg'),
      sender: item.from,
      recipients: JSON.stringify(to),
      content: item.contentJson,
      content_type: contentType(item.content),
      attachments: JSON.stringify(item.attachments),
      thread_id: item.threadId,
      broadcast: 0,
      created_at: tx.now,
      updated_at: tx.now,
      version: 1,
      idem_sender: item.from ?? '',
      idempotency_key: item.idempotencyKey,
      payload_hash: hash,
      retracted_at: null,
    }
    messages.push(row)
    if (keyId !== null) existing.set(keyId, row as MessageRow)
    addEntries(tx, row.id, item.from, to, entries)
    // Built from the input, not by parsing back the JSON just written (hot path).
    const message: Message = {
      id: row.id,
      from: item.from,
      to,
      content: item.content,
      attachments: item.attachments,
      threadId: item.threadId,
      broadcast: false,
      createdAt: tx.now,
      updatedAt: tx.now,
      version: 1,
      idempotencyKey: item.idempotencyKey,
      retractedAt: null,
    }
    outcomes.push({ status: 'created', message })
  })

  await insertRows(ctx.templates, tx.db, 'messages', messages, params)
  await insertRows(ctx.templates, tx.db, 'box_entries', entries, params)
  return outcomes
}

type MessageRow = Parameters<typeof toMessage>[0]

export function contentType(content: Content): string | null {
  const type = content['@type']
  return typeof type === 'string' ? type : null
}

function resolveRecipients(item: PreparedSend, threads: Map<string, ThreadInfo>): string[] {
  if (item.to) return item.to
  const thread = item.threadId === null ? undefined : threads.get(item.threadId)
  return thread ? thread.participants.filter((p) => p !== item.from) : []
}

function checkSend(
  item: PreparedSend,
  to: string[],
  known: Set<string>,
  threads: Map<string, ThreadInfo>,
): PigeonholeError | undefined {
  if (item.threadId !== null) {
    const thread = threads.get(item.threadId)
    if (!thread) {
      return new PigeonholeError('not_found', `threadId: no thread "${item.threadId}"`, {
        field: 'threadId',
        threadId: item.threadId,
      })
    }
    if (thread.closed) {
      return new PigeonholeError('thread_closed', `threadId: thread "${item.threadId}" is closed`, {
        field: 'threadId',
        threadId: item.threadId,
      })
    }
    if (item.from !== null && !thread.participants.includes(item.from)) {
      return new PigeonholeError(
        'forbidden',
        `from: "${item.from}" is not a participant of thread "${item.threadId}"`,
        { field: 'from', threadId: item.threadId, address: item.from },
      )
    }
    // Named recipients too: a thread's messages stay among its participants.
    const outsiders = item.to?.filter((a) => !thread.participants.includes(a)) ?? []
    if (outsiders.length > 0) {
      return new PigeonholeError(
        'forbidden',
        `to: ${outsiders.map((a) => `"${a}"`).join(', ')} ${outsiders.length === 1 ? 'is not a participant' : 'are not participants'} of thread "${item.threadId}"`,
        { field: 'to', threadId: item.threadId, addresses: outsiders },
      )
    }
  }
  if (to.length === 0) {
    return new PigeonholeError(
      'invalid_input',
      'to: expected 1 to 1000 recipients (or a thread with other participants), got none',
      {
        field: 'to',
      },
    )
  }
  const missing = to.filter((a) => !known.has(a))
  if (missing.length > 0) {
    return new PigeonholeError(
      'recipient_not_found',
      `to: ${missing.map((a) => `"${a}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not registered${missing.some((a) => a.includes('@')) ? ' (remote addresses need a transport)' : ''}; nothing was sent`,
      { field: 'to', missing },
    )
  }
  return undefined
}

function noSender(from: string): PigeonholeError {
  return new PigeonholeError('not_found', `from: no account "${from}"`, {
    field: 'from',
    address: from,
  })
}

/** The sender's `sent` entry (already read) and one `inbox` entry per recipient. */
function addEntries(
  tx: WriteTx,
  messageId: string,
  from: string | null,
  to: readonly string[],
  out: Insertable<BoxEntriesTable>[],
): void {
  const base = {
    message_id: messageId,
    created_at: tx.now,
    updated_at: tx.now,
    version: 1,
    deleted_at: null,
  }
  if (from !== null) {
    out.push({ ...base, owner: from, role: 'sent', box: 'sent', read_at: tx.now, seen_at: tx.now })
    tx.count(from, 'sent', 1, 0)
    tx.emit({ type: 'message.sent', owner: from, messageId, role: 'sent', data: { to: [...to] } })
  }
  for (const owner of to) {
    out.push({ ...base, owner, role: 'received', box: 'inbox', read_at: null, seen_at: null })
    tx.count(owner, 'inbox', 1, 1)
    tx.emit({ type: 'message.received', owner, messageId, role: 'received', data: { from } })
  }
}

async function loadByKeys(tx: WriteTx, items: readonly PreparedSend[], params: number) {
  const found = new Map<string, MessageRow>()
  const keyed = items.filter((i) => i.idempotencyKey !== null)
  for (const part of chunk(keyed, Math.floor(params / 2))) {
    const rows = await tx.db
      .selectFrom('messages')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('idem_sender', 'idempotency_key'),
          'in',
          part.map((i) => eb.tuple(i.from ?? '', i.idempotencyKey!)),
        ),
      )
      .execute()
    for (const row of rows) found.set(`${row.idem_sender}\u0000${row.idempotency_key}`, row)
  }
  return found
}

async function loadAccounts(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
  recipients: readonly string[][],
): Promise<Set<string>> {
  const wanted = new Set<string>()
  items.forEach((item, i) => {
    if (item.from !== null) wanted.add(item.from)
    for (const a of recipients[i]!) if (!a.includes('@')) wanted.add(a)
  })
  return registeredAccounts(ctx, tx.db, [...wanted])
}

async function loadThreads(
  tx: WriteTx,
  items: readonly PreparedSend[],
  params: number,
): Promise<Map<string, ThreadInfo>> {
  const ids = [...new Set(items.flatMap((i) => (i.threadId === null ? [] : [i.threadId])))]
  const threads = new Map<string, ThreadInfo>()
  for (const part of chunk(ids, params)) {
    const rows = await tx.db
      .selectFrom('threads')
      .select(['id', 'closed_at'])
      .where('id', 'in', part)
      .execute()
    const members = await participantsOf(tx.db, part)
    for (const row of rows) {
      threads.set(row.id, {
        closed: row.closed_at !== null,
        participants: members.get(row.id) ?? [],
      })
    }
  }
  return threads
}
