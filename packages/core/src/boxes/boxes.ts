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
    const boxes = await this.#summaries(owner, 'boxes.counts')
    return Object.fromEntries(boxes.map(({ name, total, unread }) => [name, { total, unread }]))
  }

  /** The boxes of `owner`; errors name `where`, the method called. */
  async #summaries(owner: string, where: string): Promise<BoxSummary[]> {
    const name = normalizeAddress(parseAddress(owner, where, 'owner'), this.#ctx.peerId)
    const byName = await readOwnerCounts(this.#ctx, name)
    if (!byName) throw notFound(name, where, 'owner')
    const custom = [...byName.keys()].filter((b) => !knownBoxes.includes(b)).sort()
    return [...knownBoxes, ...custom].map((box) => ({
      name: box,
      ...(byName.get(box) ?? { total: 0, unread: 0 }),
    }))
  }
}
