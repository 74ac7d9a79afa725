import { registeredAccounts } from '../accounts/lookup.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { participantsOf } from '../threads/threads.js'
import { chunk } from '../util/chunk.js'
import type { ThreadInfo } from './policy.js'
import type { PreparedSend } from './prepare.js'

/** What the resolve step loads for a batch, once: its threads, recipients and accounts. */
export interface Resolved {
  threads: Map<string, ThreadInfo>
  /** Per item: its recipients, as named or the thread's other participants. */
  recipients: string[][]
  /** The registered accounts among the batch's senders and local recipients. */
  accounts: Set<string>
}

/** Step 2: one read of the threads (and their participants) and one of the accounts. */
export async function resolve(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<Resolved> {
  const threads = await loadThreads(tx, items, ctx.maxParameters)
  const recipients = items.map((item) => recipientsOf(item, threads))
  const accounts = await loadAccounts(ctx, tx, items, recipients)
  return { threads, recipients, accounts }
}

function recipientsOf(item: PreparedSend, threads: Map<string, ThreadInfo>): string[] {
  if (item.to) return item.to
  const thread = item.threadId === null ? undefined : threads.get(item.threadId)
  return thread ? thread.participants.filter((p) => p !== item.from) : []
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
  return registeredAccounts(ctx, tx, [...wanted])
}

async function loadThreads(
  tx: WriteTx,
  items: readonly PreparedSend[],
  params: number,
): Promise<Map<string, ThreadInfo>> {
  const threads = new Map<string, ThreadInfo>()
  const wanted = new Set<string>()
  for (const item of items) if (item.threadId !== null) wanted.add(item.threadId)
  if (wanted.size === 0) return threads
  const ids = [...wanted]
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
