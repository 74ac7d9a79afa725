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
  const after =
    parsed.cursor === undefined
      ? undefined
      : readCursor(parsed.cursor, listing, where, ([at, id, ...rest]) =>
          typeof at === 'number' && typeof id === 'string' && rest.length === 0
            ? { at, id }
            : undefined,
        )
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
    .$if(after !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('created_at', '<', after!.at),
          eb.and([eb('created_at', '=', after!.at), eb('id', '<', after!.id)]),
        ]),
      ),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(size + 1)
    .execute()
  const page = rows.slice(0, size).map(toRequest)
  const last = page.at(-1)
  return {
    items: page,
    nextCursor: rows.length > size && last ? sealCursor(listing, [last.createdAt, last.id]) : null,
    prevCursor: null,
  }
}

function normalize(ctx: EngineContext, address: string): string {
  return normalizeAddress(address, ctx.peerId)
}
