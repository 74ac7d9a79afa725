import { notFound } from '../accounts/lookup.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import type { BoxCount, BoxSummary } from '../types.js'
import { parseAddress } from '../validation/quick-parse.js'
import { readOwnerCounts } from './counts.js'

/** Boxes every account has, listed first. */
export const knownBoxes: readonly string[] = ['inbox', 'sent']

/** The owner's boxes and their counts, read from the kept totals: O(boxes), not O(messages). */
export class Boxes {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** Every box of the owner with total and unread: inbox, sent, then custom boxes by name. */
  list(owner: string): Promise<BoxSummary[]> {
    return this.#summaries(owner, 'boxes.list')
  }

  /** `{ inbox: { total, unread }, sent: {...}, <custom>: {...} }` for the owner. */
  async counts(owner: string): Promise<Record<string, BoxCount>> {
    const byName = await this.#counts(owner, 'boxes.counts')
    // Built straight from the rows: this is a call hosts make on every screen (issue 16).
    const out: Record<string, BoxCount> = {}
    for (const box of boxOrder(byName)) out[box] = byName.get(box) ?? { total: 0, unread: 0 }
    return out
  }

  /** The boxes of `owner`; errors name `where`, the method called. */
  async #summaries(owner: string, where: string): Promise<BoxSummary[]> {
    const byName = await this.#counts(owner, where)
    return boxOrder(byName).map((box) => ({
      name: box,
      ...(byName.get(box) ?? { total: 0, unread: 0 }),
    }))
  }

  /** The kept totals of the owner's boxes; `not_found` naming `where` for an unknown owner. */
  async #counts(owner: string, where: string): Promise<Map<string, BoxCount>> {
    const name = normalizeAddress(parseAddress(owner, where, 'owner'), this.#ctx.peerId)
    const byName = await readOwnerCounts(this.#ctx, name)
    if (!byName) throw notFound(name, where, 'owner')
    return byName
  }
}

/** inbox, sent, then the custom boxes by name. */
function boxOrder(byName: Map<string, BoxCount>): string[] {
  const boxes = [...knownBoxes]
  if (byName.size === 0) return boxes
  const custom: string[] = []
  for (const box of byName.keys()) if (!knownBoxes.includes(box)) custom.push(box)
  if (custom.length > 1) custom.sort()
  return custom.length === 0 ? boxes : boxes.concat(custom)
}
