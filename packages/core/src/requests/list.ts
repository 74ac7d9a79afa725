import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { Page } from '../types.js'
import { listingHash, readCursor, sealCursor } from '../util/page-cursor.js'
import { toRequest } from './rows.js'
import type { listRequestsInput } from './schemas.js'
import type { LocalRequest } from './types.js'

type ListParsed = ReturnType<typeof listRequestsInput.parse>

/** A page of the owner's requests, newest first: keyset on (created_at, id). */
export async function listRequests(
  ctx: EngineContext,
  owner: string,
  parsed: ListParsed,
): Promise<Page<LocalRequest>> {
  const where = 'requests.list'
  const size = parsed.limit ?? 50
  const statuses =
    parsed.status === undefined
      ? undefined
      : Array.isArray(parsed.status)
        ? parsed.status
        : [parsed.status]
  const peer = parsed.peer === undefined ? undefined : normalize(ctx, parsed.peer)
  const listing = listingHash({
    list: 'requests',
    owner,
    direction: parsed.direction,
    status: statuses ? [...new Set(statuses)].sort() : undefined,
    peer,
    sourceMessageId: parsed.sourceMessageId,
  })
  const cursor =
    parsed.cursor === undefined
      ? undefined
      : readCursor(parsed.cursor, listing, where, ([way, at, id, ...rest]) =>
          (way === 'after' || way === 'before') &&
          typeof at === 'number' &&
          typeof id === 'string' &&
          rest.length === 0
            ? { way, at, id }
            : undefined,
        )
  // Newest first; a `before` cursor walks the other way from its key, then flips the page.
  const backwards = cursor?.way === 'before'
  const order = backwards ? 'asc' : 'desc'
  const rows = await ctx.db
    .selectFrom('requests')
    .selectAll()
    .where('owner', '=', owner)
    .$if(parsed.direction !== undefined, (q) => q.where('direction', '=', parsed.direction!))
    .$if(statuses !== undefined, (q) => q.where('status', 'in', statuses!))
    .$if(peer !== undefined, (q) => q.where('peer', '=', peer!))
    .$if(parsed.sourceMessageId !== undefined, (q) =>
      q.where('source_message_id', '=', parsed.sourceMessageId!),
    )
    .$if(cursor !== undefined, (q) =>
      q.where((eb) => {
        const op = backwards ? '>' : '<'
        return eb.or([
          eb('created_at', op, cursor!.at),
          eb.and([eb('created_at', '=', cursor!.at), eb('id', op, cursor!.id)]),
        ])
      }),
    )
    .orderBy('created_at', order)
    .orderBy('id', order)
    .limit(size + 1)
    .execute()
  const more = rows.length > size
  const page = rows.slice(0, size).map(toRequest)
  if (backwards) page.reverse()
  const first = page[0]
  const last = page.at(-1)
  const hasNext = backwards ? true : more
  const hasPrev = backwards ? more : cursor !== undefined
  return {
    items: page,
    nextCursor: hasNext && last ? sealCursor(listing, ['after', last.createdAt, last.id]) : null,
    prevCursor:
      hasPrev && first ? sealCursor(listing, ['before', first.createdAt, first.id]) : null,
  }
}

function normalize(ctx: EngineContext, address: string): string {
  return normalizeAddress(address, ctx.peerId)
}
