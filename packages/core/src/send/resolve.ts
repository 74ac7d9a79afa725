import { registeredAccounts } from '../accounts/lookup.js'
import { type AccountsAndConsents, accountsWithConsents } from '../consent/queries.js'
import { systemSender } from '../consent/rules.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { participantsOf } from '../threads/threads.js'
import { chunk } from '../util/chunk.js'
import type { ThreadInfo } from './policy.js'
import type { PreparedSend } from './prepare.js'
import { consentStep } from './steps/consent.js'

/** What the resolve step loads for a batch, once: its threads, recipients and accounts. */
export interface Resolved {
  threads: Map<string, ThreadInfo>
  /** Per item: its recipients, as named or the thread's other participants. */
  recipients: string[][]
  /** The registered accounts among the batch's senders and local recipients. */
  accounts: Set<string>
  /** Consents read with the accounts, when the consent step runs (it then reads nothing). */
  consents?: AccountsAndConsents
}

/** Step 2: one read of the threads (and their participants) and one of the accounts. */
export async function resolve(
  ctx: EngineContext,
  tx: WriteTx,
  items: readonly PreparedSend[],
): Promise<Resolved> {
  const threads = await loadThreads(tx, items, ctx.maxParameters)
  const recipients = items.map((item) => recipientsOf(item, threads))
  const wanted = wantedAccounts(items, recipients)
  if (ctx.policies.includes(consentStep)) {
    const consents = await accountsWithConsents(ctx, tx, wanted, sendersOf(items, recipients))
    if (consents) return { threads, recipients, accounts: consents.accounts, consents }
  }
  const accounts = await registeredAccounts(ctx, tx, wanted)
  return { threads, recipients, accounts }
}

/** Every sender whose consent the consent step may ask of a local recipient. */
function sendersOf(items: readonly PreparedSend[], recipients: readonly string[][]): string[] {
  const senders = new Set<string>()
  items.forEach((item, i) => {
    if (recipients[i]!.some((a) => a !== item.from && !a.includes('@'))) {
      senders.add(item.from ?? systemSender)
    }
  })
  return [...senders]
}

function recipientsOf(item: PreparedSend, threads: Map<string, ThreadInfo>): string[] {
  if (item.to) return item.to
  const thread = item.threadId === null ? undefined : threads.get(item.threadId)
  return thread ? thread.participants.filter((p) => p !== item.from) : []
}

/** The batch's senders and local recipients. */
function wantedAccounts(items: readonly PreparedSend[], recipients: readonly string[][]): string[] {
  const wanted = new Set<string>()
  items.forEach((item, i) => {
    if (item.from !== null) wanted.add(item.from)
    for (const a of recipients[i]!) if (!a.includes('@')) wanted.add(a)
  })
  return [...wanted]
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
