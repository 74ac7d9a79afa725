import type { z } from 'zod'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { contentJson } from '../messages/content-size.js'
import { checkRemoteContent } from '../messages/remote.js'
import type { toMessage } from '../messages/rows.js'
import type { sendInput } from '../messages/schemas.js'
import type { Content } from '../types.js'
import { chunk } from '../util/chunk.js'

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
  /** What consent does with refused recipients (`'reject'` when left out). */
  onConsentMissing?: 'reject' | 'skip'
  /** Set when the engine itself sends it: `requests` for a Response that accept/reject sends. */
  origin?: 'requests'
  /**
   * Set for a message a peer delivered (`from` is remote): it keeps its id and time, `to` is
   * this engine's recipients of it, and `received.to` all of them (stored as the message's).
   */
  received?: { id: string; createdAt: number; to: string[] }
}

export type MessageRow = Parameters<typeof toMessage>[0]

/**
 * Step 1, before the transaction: normalizes a parsed send and checks what the schema cannot
 * (content size, a `RemoteContent`'s fields).
 */
export function prepareSend(
  ctx: EngineContext,
  input: z.output<typeof sendInput>,
  where: string,
): PreparedSend {
  const json = contentJson(ctx, input.content, where)
  checkRemoteContent(input.content, input.from, where)
  const norm = (a: string) => normalizeAddress(a, ctx.peerId)
  return {
    from: input.from === null ? null : norm(input.from),
    to: input.to === undefined ? undefined : [...new Set(input.to.map(norm))],
    content: input.content,
    contentJson: json,
    attachments: input.attachments ?? [],
    threadId: input.threadId ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    onConsentMissing: input.onConsentMissing ?? 'reject',
  }
}

/** The key an idempotent send is found by: keys are per sender (system: ''). */
export function keyOf(item: PreparedSend): string | null {
  return item.idempotencyKey === null ? null : `${item.from ?? ''}\u0000${item.idempotencyKey}`
}

function isKeyed(item: PreparedSend): boolean {
  return item.idempotencyKey !== null
}

/** Step 1, in the transaction: the stored messages of the batch's idempotency keys. */
export async function lookupKeys(
  tx: WriteTx,
  items: readonly PreparedSend[],
  params: number,
): Promise<Map<string, MessageRow>> {
  const found = new Map<string, MessageRow>()
  const keyed = items.filter(isKeyed)
  if (keyed.length === 0) return found
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
