import type { Kysely } from 'kysely'
import { accountExists, notFound, requireAccount } from '../accounts/lookup.js'
import { requireBox } from '../boxes/require-box.js'
import type { Database } from '../db/schema.js'
import { remoteReads } from '../delivery/reads.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { keysPerSize } from '../engine/query-templates.js'
import { lockRows } from '../engine/row-locks.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import type { EntryRole } from '../types.js'
import { parseInput } from '../validation/parse.js'
import { parseMarkInput } from '../validation/quick-parse.js'
import { markBox } from './mark-box.js'
import { type MarkedRow, markValues, recordMarks } from './mark-rows.js'
import {
  type DeleteInput,
  deleteInput,
  type MarkInput,
  type MoveInput,
  moveInput,
} from './schemas.js'

/** How many entries a call changed (entries already in the asked state do not count). */
export interface ChangeResult {
  changed: number
}

/** Marks entries read (`read: true`) or unread, by ids in one transaction or a whole box (see markBox). */
export async function mark(
  ctx: EngineContext,
  input: MarkInput,
  read: boolean,
): Promise<ChangeResult> {
  const where = read ? 'messages.markRead' : 'messages.markUnread'
  const parsed = parseMarkInput(input, where)
  if (parsed.ids) {
    // The owner is checked in the transaction, and only when an id did not change (markRows).
    const owner = normalizeAddress(parsed.owner, ctx.peerId)
    const ids = parsed.ids
    return ctx.write(
      async (tx) => ({ changed: await markRows(ctx, tx, owner, read, ids, where) }),
      where,
    )
  }
  const owner = await requireAccount(ctx, parsed.owner, where)
  const box = parsed.box!
  await requireBox(ctx, owner, box, where, 'box')
  return { changed: await markBox(ctx, { owner, box, read }, where) }
}

/**
 * Marks the owner's live entries of these messages that are not yet in the asked state;
 * `not_found` (nothing changed) if any id is not a live entry of the owner.
 */
async function markRows(
  ctx: EngineContext,
  tx: WriteTx,
  owner: string,
  read: boolean,
  ids: readonly string[],
  where: string,
): Promise<number> {
  const values = new Array<unknown>(ids.length + 2)
  values[0] = tx.now
  values[1] = owner
  for (let i = 0; i < ids.length; i++) values[i + 2] = ids[i]
  const key = markKeys[read ? 1 : 0](ids.length)
  // A template (no Kysely build and compile per call), as far as `templateRows` values.
  const { rows: changed } = await (ctx.templates.runBuilt<MarkedRow>(tx, key, values) ??
    ctx.templates.runOrBuild(tx, key, values, (slot) =>
      markIdsQuery(tx.db, read, ids.length, slot),
    ))
  // Every id changed: all are live entries of the owner, so the owner is an account (removing
  // one deletes its entries). Else check both, in the order a caller hears of them (and throw:
  // the transaction rolls the update back). Saves two statements on the usual call (issue 16).
  if (!allChanged(changed, ids)) {
    if (!(await accountExists(tx.db, owner))) throw notFound(owner, where, 'owner')
    await requireLive(ctx, tx.db, owner, ids, where)
  }
  recordMarks(tx, owner, read, changed)
  // Read receipts to remote senders: only with a transport.
  if (read && ctx.delivery && changed.length > 0) await remoteReads(ctx, tx, owner, changed)
  return changed.length
}

/** The mark by ids: values `[now, owner, ...ids]`. */
function markIdsQuery(
  db: Kysely<Database>,
  read: boolean,
  n: number,
  slot: (index: number) => never,
) {
  const ids = new Array<string>(n)
  for (let i = 0; i < n; i++) ids[i] = slot(i + 2)
  return db
    .updateTable('box_entries')
    .set(markValues(read, slot(0)))
    .where('owner', '=', slot(1))
    .where('deleted_at', 'is', null)
    .where('read_at', read ? 'is' : 'is not', null)
    .where('message_id', 'in', ids)
    .returning(['message_id', 'role', 'box', 'version'])
}

/** Template keys of a mark of `n` ids: unread, read. */
const markKeys = [keysPerSize('mark unread ids'), keysPerSize('mark read ids')] as const

/** Whether every id has a changed row (each id changes at most one row a role). */
function allChanged(changed: readonly MarkedRow[], ids: readonly string[]): boolean {
  if (changed.length < ids.length) return false
  if (ids.length === 1) return true
  const marked = new Set<string>()
  for (const row of changed) marked.add(row.message_id)
  for (const id of ids) if (!marked.has(id)) return false
  return true
}

/** Moves the owner's entries to another box; custom boxes come into being on first use. */
export async function move(ctx: EngineContext, input: MoveInput): Promise<ChangeResult> {
  const where = 'messages.move'
  const parsed = parseInput(moveInput, input, where)
  const owner = await requireAccount(ctx, parsed.owner, where)
  if (parsed.from !== undefined) await requireBox(ctx, owner, parsed.from, where, 'from')
  return ctx.write(async (tx) => {
    const live = await requireLive(ctx, tx.db, owner, parsed.ids, where, parsed.from)
    let changed = 0
    // One update per source box, so the counts follow exactly the rows that moved.
    for (const box of new Set(live.map((r) => r.box))) {
      if (box === parsed.to) continue
      const rows = await tx.db
        .updateTable('box_entries')
        .set((eb) => ({ box: parsed.to, version: eb('version', '+', 1), updated_at: tx.now }))
        .where('owner', '=', owner)
        .where('box', '=', box)
        .where('deleted_at', 'is', null)
        .where('message_id', 'in', parsed.ids)
        .returning(['message_id', 'role', 'read_at', 'version'])
        .execute()
      for (const row of rows) {
        const unread = row.read_at === null ? 1 : 0
        tx.count(owner, box, -1, -unread)
        tx.count(owner, parsed.to, 1, unread)
        tx.emit({
          type: 'message.moved',
          owner,
          messageId: row.message_id,
          role: row.role as EntryRole,
          data: { from: box, to: parsed.to, version: Number(row.version) },
        })
      }
      changed += rows.length
    }
    // A move that changed nothing still creates the box (an empty custom box is a box).
    tx.count(owner, parsed.to, 0, 0)
    return { changed }
  }, where)
}

/** Deletes the owner's entries; the message stays for everyone else. */
export async function remove(ctx: EngineContext, input: DeleteInput): Promise<ChangeResult> {
  const where = 'messages.delete'
  const parsed = parseInput(deleteInput, input, where)
  const owner = await requireAccount(ctx, parsed.owner, where)
  if (parsed.box !== undefined) await requireBox(ctx, owner, parsed.box, where, 'box')
  return ctx.write(async (tx) => {
    await requireLive(ctx, tx.db, owner, parsed.ids, where, parsed.box)
    const rows = await tx.db
      .updateTable('box_entries')
      .set((eb) => ({ deleted_at: tx.now, version: eb('version', '+', 1), updated_at: tx.now }))
      .where('owner', '=', owner)
      .where('deleted_at', 'is', null)
      .where('message_id', 'in', parsed.ids)
      .$if(parsed.box !== undefined, (q) => q.where('box', '=', parsed.box!))
      .returning(['message_id', 'role', 'box', 'read_at', 'version'])
      .execute()
    for (const row of rows) {
      tx.count(owner, row.box, -1, row.read_at === null ? -1 : 0)
      tx.emit({
        type: 'message.deleted',
        owner,
        messageId: row.message_id,
        role: row.role as EntryRole,
        data: { box: row.box, version: Number(row.version) },
      })
    }
    return { changed: rows.length }
  }, where)
}

/** Every id must have a live entry of the owner (in `box`, when given); else nothing changes. */
async function requireLive(
  ctx: EngineContext,
  db: Kysely<Database>,
  owner: string,
  ids: readonly string[],
  where: string,
  box?: string,
) {
  const rows = await db
    .selectFrom('box_entries')
    .select(['message_id', 'box'])
    .where('owner', '=', owner)
    .where('deleted_at', 'is', null)
    .where('message_id', 'in', ids)
    .$if(box !== undefined, (q) => q.where('box', '=', box!))
    // Lock the rows, so the boxes read here are still theirs at the update.
    .$call((q) => lockRows(q, ctx, 'update'))
    .execute()
  const found = new Set(rows.map((r) => r.message_id))
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) {
    throw new PigeonholeError(
      'not_found',
      `${where}: ids: ${missing
        .slice(0, 5)
        .map((id) => `"${id}"`)
        .join(
          ', ',
        )}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} ${missing.length === 1 ? 'is' : 'are'} not in ${box === undefined ? 'any box' : `box "${box}"`} of "${owner}"`,
      { field: 'ids', missing, owner },
    )
  }
  return rows
}
