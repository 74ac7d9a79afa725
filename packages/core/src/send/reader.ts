import type { Kysely } from 'kysely'
import { toAccount } from '../accounts/accounts.js'
import type { Database } from '../db/schema.js'
import type { QueryTemplates, StatementTarget } from '../engine/query-templates.js'
import { participantsOf } from '../threads/threads.js'
import type { Account } from '../types.js'
import { chunk } from '../util/chunk.js'
import type { PolicyReader } from './policy.js'

/**
 * The read-only lookups a policy step gets, in the send's transaction. It queries only when
 * asked, so the built-in steps (which read nothing) cost nothing here.
 */
export class TxPolicyReader implements PolicyReader {
  readonly #db: Kysely<Database>
  readonly #target: StatementTarget
  readonly #templates: QueryTemplates
  readonly #params: number

  constructor(target: StatementTarget, templates: QueryTemplates, maxParameters: number) {
    this.#db = target.db
    this.#target = target
    this.#templates = templates
    this.#params = maxParameters
  }

  async accounts(addresses: readonly string[]): Promise<Map<string, Account>> {
    const out = new Map<string, Account>()
    const query = (values: readonly string[]) =>
      this.#db.selectFrom('accounts').selectAll().where('address', 'in', values)
    for (const part of chunk([...new Set(addresses)], this.#params)) {
      // From a template: a policy reading a few rows per send pays no query building.
      const { rows } = await this.#templates.runOrBuild(
        this.#target,
        `policy accounts in ${part.length}`,
        part,
        (slot) => query(part.map((_, i) => slot(i))),
      )
      for (const row of rows) out.set(row.address, toAccount(row))
    }
    return out
  }

  async participants(threadIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    for (const part of chunk([...new Set(threadIds)], this.#params)) {
      for (const [id, members] of await participantsOf(this.#db, part)) out.set(id, members)
    }
    return out
  }

  async haveSent(pairs: readonly { from: string; to: string }[]): Promise<boolean[]> {
    const found = new Set<string>()
    const froms = [...new Set(pairs.map((p) => p.from))]
    const tos = [...new Set(pairs.map((p) => p.to))]
    const half = Math.max(1, Math.floor(this.#params / 2))
    // Two IN lists rather than row values: both stores use the owner index for them.
    for (const fromPart of chunk(froms, half)) {
      for (const toPart of chunk(tos, half)) {
        const rows = await this.#db
          .selectFrom('box_entries as r')
          .innerJoin('messages as m', 'm.id', 'r.message_id')
          .select(['m.sender', 'r.owner'])
          .distinct()
          .where('r.role', '=', 'received')
          .where('r.owner', 'in', toPart)
          .where('m.sender', 'in', fromPart)
          .execute()
        for (const row of rows) found.add(`${row.sender}\u0000${row.owner}`)
      }
    }
    return pairs.map((p) => found.has(`${p.from}\u0000${p.to}`))
  }
}
