import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { keysPerSize, type StatementTarget } from '../engine/query-templates.js'
import { lockRows } from '../engine/row-locks.js'
import { PigeonholeError } from '../errors.js'
import { chunk } from '../util/chunk.js'

// Whether addresses are registered: the reads other areas make of `accounts`.

/** `not_found` for an account, naming the method and the field that gave the address. */
export function notFound(address: string, where: string, field: string): PigeonholeError {
  return new PigeonholeError('not_found', `${where}: ${field}: no account "${address}"`, {
    field,
    address,
  })
}

/** The local name of `address` if it is a registered account; else `not_found` naming `field`. */
export async function requireAccount(
  ctx: EngineContext,
  address: string,
  where: string,
  field = 'owner',
): Promise<string> {
  const name = normalizeAddress(address, ctx.peerId)
  if (!(await accountExists(ctx.db, name))) throw notFound(name, where, field)
  return name
}

/** Whether `address` (already normalized) is a registered account. */
export async function accountExists(db: Kysely<Database>, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('address')
    .where('address', '=', address)
    .executeTakeFirst()
  return row !== undefined
}

/**
 * Which of `addresses` (normalized, local) are registered, read in the caller's transaction
 * before it writes rows naming them: with `rowLocks` the rows are locked FOR KEY SHARE, so a
 * concurrent accounts.remove waits and nothing written outlives its account. Up to
 * `templateRows` addresses a statement run from a template (the send path).
 */
export async function registeredAccounts(
  ctx: EngineContext,
  target: StatementTarget,
  addresses: readonly string[],
): Promise<Set<string>> {
  const db = target.db
  const known = new Set<string>()
  for (const part of chunk(addresses, ctx.maxParameters)) {
    const key = accountsKey(part.length)
    // runBuilt first: the send path makes no builder closure once the template exists.
    const { rows } = await (ctx.templates.runBuilt<{ address: string }>(target, key, part) ??
      ctx.templates.runOrBuild(target, key, part, (slot) =>
        accountsQuery(
          db,
          ctx,
          part.map((_, i) => slot(i)),
        ),
      ))
    for (const row of rows) known.add(row.address)
  }
  return known
}

/** The account check: which of `values` are registered (locked FOR KEY SHARE with rowLocks). */
function accountsQuery(db: Kysely<Database>, ctx: EngineContext, values: readonly string[]) {
  return db
    .selectFrom('accounts')
    .select('address')
    .where('address', 'in', values)
    .$call((q) => lockRows(q, ctx, 'keyShare'))
}

/** The template key of an account check of `n` addresses. */
const accountsKey = keysPerSize('accounts in')
