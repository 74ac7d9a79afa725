import type { EngineContext } from '../engine/context.js'
import type { ConsentEntry, Page } from '../types.js'
import { forwardPage, listingHash, readCursor } from '../util/page-cursor.js'

/**
 * The stored states of `owner` (a registered account), in sender order, keyset-paged by
 * sender: a cursor belongs to its owner.
 */
export async function listConsents(
  ctx: EngineContext,
  input: { owner: string; cursor?: string; limit?: number },
  where: string,
): Promise<Page<ConsentEntry>> {
  const { owner } = input
  const size = input.limit ?? 100
  const listing = listingHash({ list: 'consent.list', owner })
  const after =
    input.cursor === undefined
      ? undefined
      : readCursor(input.cursor, listing, where, ([sender, ...rest]) =>
          typeof sender === 'string' && rest.length === 0 ? sender : undefined,
        )
  const rows = await ctx.db
    .selectFrom('consents')
    .select(['sender', 'state', 'updated_at'])
    .where('owner', '=', owner)
    .$if(after !== undefined, (q) => q.where('sender', '>', after!))
    .orderBy('sender')
    .limit(size + 1)
    .execute()
  return forwardPage(
    rows,
    size,
    listing,
    (r) => ({
      owner,
      sender: r.sender,
      state: r.state as ConsentEntry['state'],
      updatedAt: Number(r.updated_at),
    }),
    (r) => [r.sender],
  )
}
