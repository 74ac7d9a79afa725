import { type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { z } from 'zod'
import { accountExists, notFound } from '../accounts/lookup.js'
import { sumCounts } from '../boxes/counts.js'
import { requireBox } from '../boxes/require-box.js'
import type { Database } from '../db/schema.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { readRows } from '../engine/reads.js'
import { PigeonholeError } from '../errors.js'
import type { BoxItem, NumberedPage, Page } from '../types.js'
import { listingHash } from '../util/page-cursor.js'
import { parseInput } from '../validation/parse.js'
import { decodeCursor, type EntryKey, encodeCursor, type ListCursor } from './cursor.js'
import { type ItemRow, itemColumns, toItem } from './rows.js'
import { type ListInput, type ListPageInput, listInput, listPageInput } from './schemas.js'

type Filters = z.output<typeof listInput> | z.output<typeof listPageInput>
type Db = Database & { e: Database['box_entries']; m: Database['messages'] }
type ItemQuery = SelectQueryBuilder<Db, 'e' | 'm', ItemRow>

/** Keyset paging over one owner's entries, newest or oldest first. */
export async function listItems(ctx: EngineContext, input: ListInput): Promise<Page<BoxItem>> {
  const where = 'messages.list'
  const parsed = parseInput(listInput, input, where)
  const owner = normalizeFilters(ctx, parsed)
  const order = parsed.order ?? 'newest'
  const size = parsed.limit ?? 50
  const listing = listingOf(owner, parsed)
  let cursor: ListCursor | undefined
  try {
    cursor = parsed.cursor === undefined ? undefined : openListCursor(parsed.cursor, order, listing)
  } catch (error) {
    // An unknown owner or box is the error to report, as when it was checked first.
    await checkFilters(ctx, owner, parsed, where)
    throw error
  }
  const backwards = cursor?.direction === 'before'
  // Walking backwards is walking the other order from the key, then flipping the page.
  const descending = (order === 'newest') !== backwards
  const rows = await pageRows(ctx, owner, parsed, cursor?.key, descending, size + 1)
  // Any row proves the owner and the box exist (entries and their count rows live only as long
  // as the account): the checks cost a statement each, so only an empty page pays them.
  if (rows.length === 0) await checkFilters(ctx, owner, parsed, where)
  const more = rows.length > size
  const page = more ? rows.slice(0, size) : rows
  if (backwards) page.reverse()
  const items = page.map(toItem)
  const first = items[0]
  const last = items[items.length - 1]
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

function keyOf(item: BoxItem): EntryKey {
  return { createdAt: item.entry.createdAt, messageId: item.entry.messageId, role: item.entry.role }
}

function openListCursor(text: string, order: string, listing: string): ListCursor {
  const where = 'messages.list'
  const cursor = decodeCursor(text, listing, where)
  if (cursor.order !== order) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: order: expected "${cursor.order}" (the order the cursor was made for), got "${order}"`,
      {
        field: 'order',
      },
    )
  }
  return cursor
}

/** The filters whose values are bound (the others change the SQL itself). */
const valueFilters = ['box', 'threadId', 'from', 'type', 'createdAfter', 'createdBefore'] as const

/**
 * One page of rows (`rows` of them: the page and one more, to know whether more follow), from
 * a template per shape: which filters are set, the cursor, the direction, the row count. The
 * count is written into the SQL, not bound: SQLite (with STAT4, as better-sqlite3 builds it)
 * reads a bound LIMIT while planning, so every run with it bound prepared the statement again.
 */
function pageRows(
  ctx: EngineContext,
  owner: string,
  f: Filters,
  key: EntryKey | undefined,
  descending: boolean,
  rows: number,
): ItemRow[] | Promise<ItemRow[]> {
  const values: unknown[] = [owner]
  let shape = `messages.list ${descending ? 'desc' : 'asc'} ${rows}`
  for (const field of valueFilters) {
    const value = f[field]
    if (value === undefined) continue
    values.push(value)
    shape += ` ${field}`
  }
  if (f.unread !== undefined) shape += f.unread ? ' unread' : ' read'
  if (key) {
    values.push(key.createdAt, key.messageId, key.role)
    shape += ' key'
  }
  return readRows<ItemRow>(ctx, shape, values, (db, slot) => {
    let i = 1
    const slotted: Record<string, unknown> = { unread: f.unread }
    for (const field of valueFilters) if (f[field] !== undefined) slotted[field] = slot(i++)
    let query = filtered(db, slot(0), slotted as Filters)
    if (key) {
      const after = [slot(i), slot(i + 1), slot(i + 2)] as const
      query = query.where((eb) =>
        eb(
          eb.refTuple('e.created_at', 'e.message_id', 'e.role'),
          descending ? '<' : '>',
          eb.tuple(...after),
        ),
      )
    }
    const dir = descending ? 'desc' : 'asc'
    return query
      .orderBy('e.created_at', dir)
      .orderBy('e.message_id', dir)
      .orderBy('e.role', dir)
      .limit(sql.lit(rows))
  })
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
  const owner = normalizeFilters(ctx, parsed)
  await checkFilters(ctx, owner, parsed, where)
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

/** The owner, normalized (`bob@local` is `bob`), and `from` normalized in place. */
function normalizeFilters(ctx: EngineContext, f: Filters): string {
  if (f.from !== undefined) f.from = normalizeAddress(f.from, ctx.peerId)
  return normalizeAddress(f.owner, ctx.peerId)
}

/** The owner must exist and a box filter must name a box the owner has. */
async function checkFilters(
  ctx: EngineContext,
  owner: string,
  f: Filters,
  where: string,
): Promise<void> {
  if (!(await accountExists(ctx.db, owner))) throw notFound(owner, where, 'owner')
  if (f.box !== undefined) await requireBox(ctx, owner, f.box, where, 'box')
}
