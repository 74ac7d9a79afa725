import { requireAccount } from '../accounts/lookup.js'
import type { EngineContext } from '../engine/context.js'
import type { BoxCount, BoxSummary } from '../types.js'
import { address } from '../validation/common.js'
import { parseInput } from '../validation/parse.js'
import { readCounts } from './counts.js'

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
    const name = await requireAccount(this.#ctx, parseInput(address, owner, where, 'owner'), where)
    const byName = await readCounts(this.#ctx.db, name)
    const custom = [...byName.keys()].filter((b) => !knownBoxes.includes(b)).sort()
    return [...knownBoxes, ...custom].map((box) => ({
      name: box,
      ...(byName.get(box) ?? { total: 0, unread: 0 }),
    }))
  }
}
