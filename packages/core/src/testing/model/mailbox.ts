import type { Pigeonhole } from '../../engine.js'
import type { BoxEntry, EntryRole } from '../../types.js'

/** What lands in alice's boxes: from bob, to herself (two entries), or to bob (a sent entry). */
export type Kind = 'in' | 'self' | 'out'

/** Changes between two pages: arrivals (one batch) and deletes of alice's live entries. */
export interface Change {
  arrive: Kind[]
  /** `oneBox`: delete only the picked entry (by its box), else every entry of its message. */
  deletes: { pick: number; oneBox: boolean }[]
}

/** Where an entry sits in the listing order. */
export interface EntryKey {
  createdAt: number
  messageId: string
  role: EntryRole
}

interface Live extends EntryKey {
  box: string
}

export function keyOf(entry: BoxEntry): EntryKey {
  return { createdAt: entry.createdAt, messageId: entry.messageId, role: entry.role }
}

function compare(a: EntryKey, b: EntryKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt
  if (a.messageId !== b.messageId) return a.messageId < b.messageId ? -1 : 1
  return a.role < b.role ? -1 : a.role > b.role ? 1 : 0
}

/** The engine's listing order: (createdAt, messageId, role), descending for newest first. */
export function sortKeys(keys: EntryKey[], order: 'newest' | 'oldest'): EntryKey[] {
  const sign = order === 'newest' ? -1 : 1
  return [...keys].sort((a, b) => sign * compare(a, b))
}

/** Alice's mailbox, with our own record of her live entries (not read back from the engine). */
export class Mailbox {
  readonly #ph: Pigeonhole
  readonly #live = new Map<string, Live>()

  private constructor(ph: Pigeonhole) {
    this.#ph = ph
  }

  static async open(ph: Pigeonhole): Promise<Mailbox> {
    await ph.accounts.register({ address: 'alice' })
    await ph.accounts.register({ address: 'bob' })
    return new Mailbox(ph)
  }

  /** One batch (one transaction, so one createdAt). */
  async send(kinds: Kind[]): Promise<void> {
    if (kinds.length === 0) return
    const result = await this.#ph.messages.sendMany(
      kinds.map((kind, i) => ({
        identifier: String(i),
        from: kind === 'in' ? 'bob' : 'alice',
        to: [kind === 'out' ? 'bob' : 'alice'],
        content: { text: kind },
      })),
    )
    result.items.forEach((item, i) => {
      if (item.status !== 'created') throw new Error(`send ${i}: ${item.error?.message}`)
      const { id: messageId, createdAt } = item.message!
      if (kinds[i] !== 'in') this.#add({ createdAt, messageId, role: 'sent', box: 'sent' })
      if (kinds[i] !== 'out') this.#add({ createdAt, messageId, role: 'received', box: 'inbox' })
    })
  }

  async apply(change: Change): Promise<void> {
    await this.send(change.arrive)
    for (const { pick, oneBox } of change.deletes) {
      const live = [...this.#live.values()]
      if (live.length === 0) return
      const target = live[pick % live.length]!
      await this.#ph.messages.delete({
        owner: 'alice',
        ids: [target.messageId],
        ...(oneBox ? { box: target.box } : {}),
      })
      for (const [key, entry] of this.#live) {
        if (entry.messageId === target.messageId && (!oneBox || entry.box === target.box)) {
          this.#live.delete(key)
        }
      }
    }
  }

  /** Alice's live entries now. */
  keys(): EntryKey[] {
    return [...this.#live.values()].map(({ createdAt, messageId, role }) => ({
      createdAt,
      messageId,
      role,
    }))
  }

  #add(entry: Live): void {
    this.#live.set(`${entry.messageId}/${entry.role}`, entry)
  }
}
