import type { EngineContext } from '../engine/context.js'
import type { ConsentFeedItem, Page } from '../types.js'
import { forwardPage, listingHash, readCursor } from '../util/page-cursor.js'

/**
 * The changes of consent to `sender` in [since, until), oldest first, keyset-paged by
 * (at, id): a cursor belongs to its sender and window.
 */
export async function readFeed(
  ctx: EngineContext,
  input: { sender: string; since?: number; until?: number; cursor?: string; limit?: number },
  where: string,
): Promise<Page<ConsentFeedItem>> {
  const { sender, since, until } = input
  const size = input.limit ?? 100
  const listing = listingHash({ list: 'consent.feed', sender, since, until })
  const after =
    input.cursor === undefined
      ? undefined
      : readCursor(input.cursor, listing, where, ([at, id, ...rest]) =>
          typeof at === 'number' && typeof id === 'string' && rest.length === 0
            ? { at, id }
            : undefined,
        )
  const rows = await ctx.db
    .selectFrom('consent_log')
    .select(['id', 'owner', 'sender', 'state', 'at'])
    .where('sender', '=', sender)
    .$if(since !== undefined, (q) => q.where('at', '>=', since!))
    .$if(until !== undefined, (q) => q.where('at', '<', until!))
    .$if(after !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('at', '>', after!.at),
          eb.and([eb('at', '=', after!.at), eb('id', '>', after!.id)]),
        ]),
      ),
    )
    .orderBy('at')
    .orderBy('id')
    .limit(size + 1)
    .execute()
  return forwardPage(
    rows,
    size,
    listing,
    (r) => ({
      owner: r.owner,
      sender: r.sender,
      state: r.state as ConsentFeedItem['state'],
      at: Number(r.at),
    }),
    (r) => [Number(r.at), r.id],
  )
}
