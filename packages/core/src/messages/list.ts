import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { z } from 'zod'
import { requireAccount } from '../accounts/lookup.js'
import { sumCounts } from '../boxes/counts.js'
import { requireBox } from '../boxes/require-box.js'
import type { Database } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { BoxItem, NumberedPage, Page } from '../types.js'
import { listingHash } from '../util/page-cursor.js'
import { parseInput } from '../validation/parse.js'
import { decodeCursor, type EntryKey, encodeCursor } from './cursor.js'
import { type ItemRow, itemColumns, toItem } from './rows.js'
import { type ListInput, type ListPageInput, listInput, listPageInput } from './schemas.js'

type Filters = z.output<typeof listInput> | z.output<typeof listPageInput>
type Db = Database & { e: Database['box_entries']; m: Database['messages'] }
type ItemQuery = SelectQueryBuilder<Db, 'e' | 'm', ItemRow>

/** Keyset paging over one owner's entries, newest or oldest first. */
export async function listItems(ctx: EngineContext, input: ListInput): Promise<Page<BoxItem>> {
  const where = 'messages.list'
  const parsed = parseInput(listInput, input, where)
  const owner = await checkFilters(ctx, parsed, where)
  const order = parsed.order ?? 'newest'
  const size = parsed.limit ?? 50
  const listing = listingOf(owner, parsed)
  const cursor =
    parsed.cursor === undefined ? undefined : decodeCursor(parsed.cursor, listing, where)
  if (cursor && cursor.order !== order) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: order: expected "${cursor.order}" (the order the cursor was made for), got "${order}"`,
      {
        field: 'order',
      },
    )
  }
  const backwards = cursor?.direction === 'before'
  // Walking backwards is walking the other order from the key, then flipping the page.
  const descending = (order === 'newest') !== backwards
  let query = filtered(ctx.db, owner, parsed)
  if (cursor) {
    const k = cursor.key
    query = query.where((eb) =>
      eb(
        eb.refTuple('e.created_at', 'e.message_id', 'e.role'),
        descending ? '<' : '>',
        eb.tuple(k.createdAt, k.messageId, k.role),
      ),
    )
  }
  const dir = descending ? 'desc' : 'asc'
  const rows = await query
    .orderBy('e.created_at', dir)
    .orderBy('e.message_id', dir)
    .orderBy('e.role', dir)
    .limit(size + 1)
    .execute()
  const more = rows.length > size
  const page = rows.slice(0, size)
  if (backwards) page.reverse()
  const items = page.map(toItem)
  const first = items[0]
  const last = items[items.length - 1]
  const keyOf = (item: BoxItem): EntryKey => ({
    createdAt: item.entry.createdAt,
    messageId: item.entry.messageId,
    role: item.entry.role,
  })
  const hasNext = backwards ? true : more
  const hasPrev = backwards ? more : cursor !== undefined
  return {
    items,
    nextCursor:
      last && hasNext
        ? encodeCursor({ key: keyOf(last), direction: 'after', order }, listing)
        : null,
    prevCursor:
      first && hasPrev
        ? encodeCursor({ key: keyOf(first), direction: 'before', order }, listing)
        : null,
  }
}

/**
 * What a cursor is bound to: the owner and every filter, normalized (`bob@local` is `bob`).
 * Not `limit` (a walk may change its page size) and not `order`, which the cursor carries
 * and checks itself to name the field.
 */
function listingOf(owner: string, f: Filters): string {
  return listingHash({
    list: 'messages',
    owner,
    box: f.box,
    unread: f.unread,
    threadId: f.threadId,
    from: f.from,
    type: f.type,
    createdAfter: f.createdAfter,
    createdBefore: f.createdBefore,
  })
}

/** Page-number paging with a total. New arrivals shift pages: prefer `list` with a cursor. */
export async function listPage(
  ctx: EngineContext,
  input: ListPageInput,
): Promise<NumberedPage<BoxItem>> {
  const where = 'messages.listPage'
  const parsed = parseInput(listPageInput, input, where)
  const owner = await checkFilters(ctx, parsed, where)
  const page = parsed.page ?? 1
  const pageSize = parsed.pageSize ?? 50
  const dir = (parsed.order ?? 'newest') === 'newest' ? 'desc' : 'asc'
  const rows = await filtered(ctx.db, owner, parsed)
    .orderBy('e.created_at', dir)
    .orderBy('e.message_id', dir)
    .orderBy('e.role', dir)
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute()
  const total = await countFiltered(ctx, owner, parsed)
  return { items: rows.map(toItem), page, pageSize, total, pageCount: Math.ceil(total / pageSize) }
}

async function countFiltered(ctx: EngineContext, owner: string, f: Filters): Promise<number> {
  const onlyBox =
    f.threadId === undefined &&
    f.from === undefined &&
    f.type === undefined &&
    f.createdAfter === undefined &&
    f.createdBefore === undefined
  if (onlyBox) {
    // The kept counts answer without touching the entries.
    const { total, unread } = await sumCounts(ctx.db, owner, f.box)
    return f.unread === undefined ? total : f.unread ? unread : total - unread
  }
  const row = await filtered(ctx.db, owner, f)
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

function filtered(db: Kysely<Database>, owner: string, f: Filters): ItemQuery {
  let q = (db as unknown as Kysely<Db>)
    .selectFrom('box_entries as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .select(itemColumns)
    .where('e.owner', '=', owner)
    .where('e.deleted_at', 'is', null) as unknown as ItemQuery
  if (f.box !== undefined) q = q.where('e.box', '=', f.box)
  if (f.unread === true) q = q.where('e.read_at', 'is', null)
  if (f.unread === false) q = q.where('e.read_at', 'is not', null)
  if (f.threadId !== undefined) q = q.where('m.thread_id', '=', f.threadId)
  if (f.from !== undefined) q = q.where('m.sender', '=', f.from)
  if (f.type !== undefined) q = q.where('m.content_type', '=', f.type)
  if (f.createdAfter !== undefined) q = q.where('e.created_at', '>=', f.createdAfter)
  if (f.createdBefore !== undefined) q = q.where('e.created_at', '<', f.createdBefore)
  return q
}

/** The owner must exist and a box filter must name a box the owner has. */
async function checkFilters(ctx: EngineContext, f: Filters, where: string): Promise<string> {
  const owner = await requireAccount(ctx, f.owner, where)
  if (f.from !== undefined) f.from = normalizeAddress(f.from, ctx.peerId)
  if (f.box !== undefined) await requireBox(ctx, owner, f.box, where, 'box')
  return owner
}
