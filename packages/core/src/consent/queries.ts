import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { EngineContext } from '../engine/context.js'
import { type StatementTarget, templateRows } from '../engine/query-templates.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { ConsentMode, ConsentState } from '../types.js'
import { chunk } from '../util/chunk.js'
import { defaultState } from './rules.js'

// Every statement on `consents` and `consent_log` but the feed's read (feed.ts).

/** A recipient's mode and what it holds about each of the asked senders. */
export interface RecipientConsent {
  mode: ConsentMode
  /** Stored states by sender (absent: no row, see `defaultState`). */
  states: Map<string, ConsentState>
}

/**
 * For each registered account among `owners`: its mode and its stored states for `senders`.
 * One statement per chunk of owners (a LEFT JOIN of accounts and consents), never per item;
 * run from a template per size, in the send's transaction (the send path).
 */
export async function readConsents(
  ctx: EngineContext,
  target: StatementTarget,
  owners: readonly string[],
  senders: readonly string[],
): Promise<Map<string, RecipientConsent>> {
  const out = new Map<string, RecipientConsent>()
  if (owners.length === 0) return out
  const m = senders.length
  const size = Math.max(1, ctx.maxParameters - m - 1)
  for (const part of chunk(owners, size)) {
    const values = [...senders, ...part]
    const { rows } = await ctx.templates.runOrBuild<ConsentRow>(
      target,
      `consents of ${part.length} for ${m}`,
      values,
      (slot) =>
        consentsQuery(
          target.db,
          senders.map((_, i) => slot(i)),
          part.map((_, i) => slot(m + i)),
        ),
    )
    for (const row of rows) addConsentRow(out, row)
  }
  return out
}

/** What `accountsWithConsents` read: the registered accounts, and consents as `readConsents`. */
export interface AccountsAndConsents {
  accounts: Set<string>
  /** The senders the consents were read for (a consent check of others reads again). */
  senders: ReadonlySet<string>
  consents: Map<string, RecipientConsent>
}

/**
 * The send's account check and consent read as one statement: which of `addresses` are
 * registered (locked FOR KEY SHARE with rowLocks, as `registeredAccounts`), each with its mode
 * and its stored states for `senders`. One round trip instead of two on PostgreSQL. Undefined
 * when it would not fit one statement (the caller reads the two apart).
 */
export async function accountsWithConsents(
  ctx: EngineContext,
  target: StatementTarget,
  addresses: readonly string[],
  senders: readonly string[],
): Promise<AccountsAndConsents | undefined> {
  const n = addresses.length
  const m = senders.length
  if (n === 0 || m === 0 || n + m > Math.min(ctx.maxParameters, templateRows)) return undefined
  const values = [...senders, ...addresses]
  const key = `accounts+consents of ${n} for ${m}`
  const { rows } = await (ctx.templates.runBuilt<ConsentRow>(target, key, values) ??
    ctx.templates.run<ConsentRow>(target, key, values, (slot) =>
      consentsQuery(
        target.db,
        senders.map((_, i) => slot(i)),
        addresses.map((_, i) => slot(m + i)),
      )
        // Only the accounts' rows: the consents side of the outer join may be absent.
        .$call((q) => (ctx.rowLocks ? q.forKeyShare('a') : q)),
    ))
  const accounts = new Set<string>()
  const consents = new Map<string, RecipientConsent>()
  for (const row of rows) {
    accounts.add(row.address)
    addConsentRow(consents, row)
  }
  return { accounts, senders: new Set(senders), consents }
}

/** Accounts among `owners`, each with its stored states about `senders` (none: nulls). */
function consentsQuery(db: Kysely<Database>, senders: readonly never[], owners: readonly never[]) {
  return db
    .selectFrom('accounts as a')
    .leftJoin('consents as c', (join) =>
      join.onRef('c.owner', '=', 'a.address').on('c.sender', 'in', senders),
    )
    .select(['a.address', 'a.consent', 'c.sender', 'c.state'])
    .where('a.address', 'in', owners)
}

function addConsentRow(out: Map<string, RecipientConsent>, row: ConsentRow): void {
  let entry = out.get(row.address)
  if (!entry) {
    entry = { mode: row.consent as ConsentMode, states: new Map() }
    out.set(row.address, entry)
  }
  if (row.sender !== null && row.state !== null) {
    entry.states.set(row.sender, row.state as ConsentState)
  }
}

interface ConsentRow {
  address: string
  consent: string
  sender: string | null
  state: string | null
}

/** The state `owner` holds about `sender`: its row, or the default. */
export async function readState(
  db: Kysely<Database>,
  owner: string,
  sender: string,
): Promise<ConsentState> {
  const row = await db
    .selectFrom('consents')
    .select('state')
    .where('owner', '=', owner)
    .where('sender', '=', sender)
    .executeTakeFirst()
  return row ? (row.state as ConsentState) : defaultState(sender)
}

/**
 * Stores `state` for (owner, sender), appends the change to the log and emits
 * `consent.changed`. The caller has checked that the state changes.
 */
export async function writeState(
  ctx: EngineContext,
  tx: WriteTx,
  owner: string,
  sender: string,
  state: 'allowed' | 'denied',
  previous: ConsentState,
): Promise<void> {
  await tx.db
    .insertInto('consents')
    .values({ owner, sender, state, updated_at: tx.now })
    .onConflict((oc) => oc.columns(['owner', 'sender']).doUpdateSet({ state, updated_at: tx.now }))
    .execute()
  await tx.db
    .insertInto('consent_log')
    .values({
      id: ctx.ids.next('cns'),
      owner,
      sender,
      state: state === 'allowed' ? 'granted' : 'revoked',
      at: tx.now,
    })
    .execute()
  tx.emit({ type: 'consent.changed', owner, data: { sender, state, previous } })
}

/** Drops what `owner` holds and granted (a removed account): its states and its log rows. */
export async function deleteConsents(db: Kysely<Database>, owner: string): Promise<void> {
  await db.deleteFrom('consents').where('owner', '=', owner).execute()
  await db.deleteFrom('consent_log').where('owner', '=', owner).execute()
}
