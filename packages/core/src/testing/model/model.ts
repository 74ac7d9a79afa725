import type { ErrorCode } from '../../errors.js'
import type {
  BoxCount,
  ConsentCheck,
  ConsentMode,
  Content,
  EntryRole,
  EventType,
  SkippedRecipient,
} from '../../types.js'

/** The accounts every run registers before its commands. */
export const accounts: readonly string[] = ['alice', 'bob', 'carol', 'dave']
const standardBoxes = ['inbox', 'sent']

export interface ModelMessage {
  id: string
  from: string | null
  content: Content
  version: number
  retracted: boolean
}

/** One live entry. `seq` is the creation order of its message: what createdAt then id sort by. */
export interface ModelEntry {
  messageId: string
  role: EntryRole
  box: string
  read: boolean
  version: number
  seq: number
}

/** The parts of an event the model predicts. */
export interface ExpectedEvent {
  type: EventType
  owner: string | null
  messageId: string
  role: EntryRole | null
  /** The entry's (or, for message.updated, the message's) version after the change. */
  version: number | null
  /** data.recipients of a broadcast, data.entries of a retract. */
  count: number | null
  /** The entry's box: where it is (read, unread), went (moved) or was (deleted). */
  box: string | null
  /** data.marked of a whole-box mark's event: the entries of its chunk, in key order. */
  marked?: { messageId: string; role: EntryRole; version: number }[]
}

export type Plan =
  | {
      kind: 'create'
      /** Who gets it: the named recipients consent let through. */
      to: string[]
      /** Recipients whose entry goes to `requests` (an unknown sender, mode `requests`). */
      waiting: string[]
      /** Left out by `onConsentMissing: 'skip'` (undefined: none). */
      skipped?: SkippedRecipient[]
    }
  | { kind: 'duplicate'; id: string }
  | { kind: 'error'; code: ErrorCode }

/** A keyed send or broadcast, kept so a command can send it again. */
export interface KeyedSend {
  from: string | null
  to: string[] | null
  content: Content
  key: string
}

/** `name@local` is the local `name`; a space makes an address malformed. */
export function normalize(address: string): string {
  return address.endsWith('@local') ? address.slice(0, -'@local'.length) : address
}

/**
 * What the engine should hold, kept as plainly as possible: messages, live entries per owner,
 * custom boxes per owner and used idempotency keys. `plan*` says what a call should do,
 * `apply*` does it and returns the events it should emit.
 */
export class Model {
  readonly messages = new Map<string, ModelMessage>()
  /** Live entries per owner, keyed `messageId/role`. */
  readonly entries = new Map<string, Map<string, ModelEntry>>(accounts.map((a) => [a, new Map()]))
  readonly customBoxes = new Map<string, Set<string>>(accounts.map((a) => [a, new Set()]))
  readonly keyedSends: KeyedSend[] = []
  /** Each account's consent mode (all start `open`). */
  readonly modes = new Map<string, ConsentMode>(accounts.map((a) => [a, 'open']))
  /** What each owner holds about senders ('system' for system messages); absent: default. */
  readonly consents = new Map<string, Map<string, 'allowed' | 'denied'>>(
    accounts.map((a) => [a, new Map()]),
  )
  readonly #keys = new Map<string, { id: string; payload: string }>()
  #seq = 0

  /** `markChunkSize`: entries per transaction (and per event) of a whole-box mark. */
  constructor(readonly markChunkSize = 1000) {}

  planSend(
    from: string | null,
    to: string[],
    content: Content,
    key?: string,
    onConsentMissing?: 'reject' | 'skip',
  ): Plan {
    if (to.some((a) => a.includes(' '))) return { kind: 'error', code: 'invalid_input' }
    const unique = [...new Set(to.map(normalize))]
    // Recipients are a set: the engine compares them sorted.
    const payload = JSON.stringify({ to: [...unique].sort(), content })
    const used = key === undefined ? undefined : this.#keys.get(`${from ?? ''}/${key}`)
    if (used) {
      return used.payload === payload
        ? { kind: 'duplicate', id: used.id }
        : { kind: 'error', code: 'idempotency_conflict' }
    }
    if (unique.some((a) => !accounts.includes(a))) {
      return { kind: 'error', code: 'recipient_not_found' }
    }
    const delivered: string[] = []
    const waiting: string[] = []
    const skipped: SkippedRecipient[] = []
    for (const owner of unique) {
      const verdict: ConsentCheck =
        owner === from ? { allowed: true, box: 'inbox' } : this.judge(owner, from)
      if (!verdict.allowed) skipped.push({ recipient: owner, reason: verdict.reason! })
      else {
        delivered.push(owner)
        if (verdict.box === 'requests') waiting.push(owner)
      }
    }
    if (skipped.length === 0) return { kind: 'create', to: delivered, waiting }
    if (onConsentMissing !== 'skip' || delivered.length === 0) {
      return { kind: 'error', code: 'consent_required' }
    }
    return { kind: 'create', to: delivered, waiting, skipped }
  }

  /** What `owner` holds about `sender` (null: the system): its state, or the default. */
  stateOf(owner: string, sender: string | null): 'allowed' | 'denied' | 'unknown' {
    const key = sender ?? 'system'
    return this.consents.get(owner)!.get(key) ?? (key === 'system' ? 'allowed' : 'unknown')
  }

  /** The consent rule, written out once more for the model: may `sender` reach `owner`? */
  judge(owner: string, sender: string | null): ConsentCheck {
    const state = this.stateOf(owner, sender)
    const mode = this.modes.get(owner)!
    if (state === 'denied') return { allowed: false, reason: 'revoked' }
    if (state === 'allowed') return { allowed: true, box: 'inbox' }
    if (mode === 'open') return { allowed: true, box: 'inbox' }
    if (mode === 'requests') return { allowed: true, box: 'requests' }
    return { allowed: false, reason: 'not_granted' }
  }

  /**
   * Grant (`allowed`) or revoke (`denied`): the events it should emit, or none when nothing
   * changes. In mode `requests` the sender's received entries waiting in `requests` move to
   * `inbox` (grant) or are deleted (revoke).
   */
  changeConsent(owner: string, sender: string, state: 'allowed' | 'denied'): ExpectedEvent[] {
    const from = sender === 'system' ? null : sender
    if (this.stateOf(owner, from) === state) return []
    this.consents.get(owner)!.set(sender, state)
    const events: ExpectedEvent[] = [{ ...event('consent.changed', owner, '', null) }]
    if (this.modes.get(owner) !== 'requests') return events
    for (const e of this.listing(owner, 'requests')) {
      if (e.role !== 'received' || this.messages.get(e.messageId)!.from !== from) continue
      if (state === 'allowed') {
        e.box = 'inbox'
        e.version += 1
        events.push({
          ...event('message.moved', owner, e.messageId, e.role),
          version: e.version,
          box: 'inbox',
        })
      } else {
        this.#of(owner).delete(`${e.messageId}/${e.role}`)
        const deleted = event('message.deleted', owner, e.messageId, e.role)
        events.push({ ...deleted, version: e.version + 1, box: 'requests' })
      }
    }
    return events
  }

  /**
   * Stores a planned send: the sender's `sent` entry (read), one unread entry per recipient
   * consent let through, in `inbox` or `requests`. The key's payload is the named recipients.
   */
  applySend(
    id: string,
    from: string | null,
    to: string[],
    content: Content,
    plan: Extract<Plan, { kind: 'create' }>,
    key?: string,
  ): ExpectedEvent[] {
    const unique = [...new Set(to.map(normalize))]
    this.#create(id, from, content, key, JSON.stringify({ to: [...unique].sort(), content }))
    if (key !== undefined) this.keyedSends.push({ from, to, content, key })
    const events: ExpectedEvent[] = []
    if (from !== null) {
      this.#addEntry(from, id, 'sent', 'sent', true)
      events.push(event('message.sent', from, id, 'sent'))
    }
    for (const owner of plan.to) {
      const box = plan.waiting.includes(owner) ? 'requests' : 'inbox'
      if (box !== 'inbox') this.customBoxes.get(owner)!.add(box)
      this.#addEntry(owner, id, 'received', box, false)
      // The event names the box only when consent routed the entry out of inbox.
      const received = event('message.received', owner, id, 'received')
      events.push(box === 'inbox' ? received : { ...received, box })
    }
    return events
  }

  planBroadcast(content: Content, key?: string): Plan {
    const used = key === undefined ? undefined : this.#keys.get(`/${key}`)
    if (!used) return { kind: 'create', to: this.#reachedByBroadcast(), waiting: [] }
    return used.payload === JSON.stringify({ broadcast: true, content })
      ? { kind: 'duplicate', id: used.id }
      : { kind: 'error', code: 'idempotency_conflict' }
  }

  /** A system message with one unread inbox entry per account and one event. */
  applyBroadcast(id: string, content: Content, key?: string): ExpectedEvent[] {
    this.#create(id, null, content, key, JSON.stringify({ broadcast: true, content }))
    if (key !== undefined) this.keyedSends.push({ from: null, to: null, content, key })
    const reached = this.#reachedByBroadcast()
    for (const owner of reached) this.#addEntry(owner, id, 'received', 'inbox', false)
    return [{ ...event('message.broadcast', null, id, null), count: reached.length }]
  }

  /** A broadcast reaches every account that has not revoked `system`. */
  #reachedByBroadcast(): string[] {
    return accounts.filter((a) => this.stateOf(a, null) !== 'denied')
  }

  /** The owner's live entries, newest first: by creation, then `sent` before `received`. */
  listing(owner: string, box?: string): ModelEntry[] {
    return [...this.#of(owner).values()]
      .filter((e) => box === undefined || e.box === box)
      .sort((a, b) => b.seq - a.seq || (a.role < b.role ? 1 : a.role > b.role ? -1 : 0))
  }

  /** Message ids the owner has a live entry of. */
  liveIds(owner: string): string[] {
    return [...new Set(this.listing(owner).map((e) => e.messageId))]
  }

  boxes(owner: string): string[] {
    return [...standardBoxes, ...[...this.customBoxes.get(owner)!].sort()]
  }

  hasBox(owner: string, box: string): boolean {
    return this.boxes(owner).includes(box)
  }

  counts(owner: string): Record<string, BoxCount> {
    const out: Record<string, BoxCount> = {}
    for (const box of this.boxes(owner)) {
      const inBox = this.listing(owner, box)
      out[box] = { total: inBox.length, unread: inBox.filter((e) => !e.read).length }
    }
    return out
  }

  /** What an op on a whole box fails with, if it does: the box must exist. */
  planBox(owner: string, box: string): ErrorCode | undefined {
    return this.hasBox(owner, box) ? undefined : 'invalid_input'
  }

  /** What an op by ids fails with before changing anything, if it does. */
  planByIds(owner: string, ids: string[], box?: string): ErrorCode | undefined {
    if (box !== undefined && !this.hasBox(owner, box)) return this.planBox(owner, box)
    const live = this.#targets(owner, ids, box)
    return ids.every((id) => live.some((e) => e.messageId === id)) ? undefined : 'not_found'
  }

  /**
   * Read or unread by ids (every entry of those messages: an event each) or a whole box (in
   * key order, a `box.marked*` event per chunk listing its entries). `changed` as the call says.
   */
  mark(
    owner: string,
    target: { ids: string[] } | { box: string },
    read: boolean,
  ): { changed: number; events: ExpectedEvent[] } {
    const entries =
      'ids' in target ? this.#targets(owner, target.ids) : this.listing(owner, target.box)
    const changed = entries.filter((e) => e.read !== read)
    for (const e of changed) {
      e.read = read
      e.version += 1
    }
    if ('ids' in target) {
      const events = changed.map((e) => ({
        ...event(read ? 'message.read' : 'message.unread', owner, e.messageId, e.role),
        version: e.version,
        box: e.box,
      }))
      return { changed: changed.length, events }
    }
    // The listing is newest first; key order is oldest first.
    const inKeyOrder = changed.reverse()
    const events: ExpectedEvent[] = []
    for (let at = 0; at < inKeyOrder.length; at += this.markChunkSize) {
      const chunk = inKeyOrder.slice(at, at + this.markChunkSize)
      events.push({
        ...event(read ? 'box.markedRead' : 'box.markedUnread', owner, '', null),
        count: chunk.length,
        box: target.box,
        marked: chunk.map((e) => ({ messageId: e.messageId, role: e.role, version: e.version })),
      })
    }
    return { changed: changed.length, events }
  }

  move(owner: string, ids: string[], to: string, from?: string): ExpectedEvent[] {
    if (!standardBoxes.includes(to)) this.customBoxes.get(owner)!.add(to)
    return this.#targets(owner, ids, from)
      .filter((e) => e.box !== to)
      .map((e) => {
        e.box = to
        e.version += 1
        const moved = event('message.moved', owner, e.messageId, e.role)
        return { ...moved, version: e.version, box: to }
      })
  }

  remove(owner: string, ids: string[], box?: string): ExpectedEvent[] {
    return this.#targets(owner, ids, box).map((e) => {
      this.#of(owner).delete(`${e.messageId}/${e.role}`)
      const deleted = event('message.deleted', owner, e.messageId, e.role)
      return { ...deleted, version: e.version + 1, box: e.box }
    })
  }

  /** What update (with `expectedVersion`) or retract (without) fails with, if it does. */
  planEdit(id: string, by: string | null, expectedVersion?: number): ErrorCode | undefined {
    const message = this.messages.get(id)
    if (!message) return 'not_found'
    if (message.from !== by) return 'forbidden'
    if (message.retracted) return 'invalid_transition'
    if (expectedVersion !== undefined && expectedVersion !== message.version) {
      return 'version_conflict'
    }
    return undefined
  }

  update(id: string, content: Content): ExpectedEvent[] {
    const message = this.messages.get(id)!
    message.content = content
    message.version += 1
    return [{ ...event('message.updated', null, id, null), version: message.version }]
  }

  /** Gone for everyone: content cleared, every live entry removed. */
  retract(id: string): ExpectedEvent[] {
    const message = this.messages.get(id)!
    message.retracted = true
    message.content = {}
    let removed = 0
    for (const owned of this.entries.values()) {
      for (const [key, entry] of owned) {
        if (entry.messageId !== id) continue
        owned.delete(key)
        removed += 1
      }
    }
    return [{ ...event('message.retracted', null, id, null), count: removed }]
  }

  /** Live entries of the owner for these ids (in `box`, when given), newest first. */
  #targets(owner: string, ids: string[], box?: string): ModelEntry[] {
    return this.listing(owner, box).filter((e) => ids.includes(e.messageId))
  }

  #of(owner: string): Map<string, ModelEntry> {
    return this.entries.get(owner)!
  }

  #create(
    id: string,
    from: string | null,
    content: Content,
    key: string | undefined,
    payload: string,
  ): void {
    this.messages.set(id, { id, from, content, version: 1, retracted: false })
    if (key !== undefined) this.#keys.set(`${from ?? ''}/${key}`, { id, payload })
    this.#seq += 1
  }

  #addEntry(owner: string, messageId: string, role: EntryRole, box: string, read: boolean): void {
    this.#of(owner).set(`${messageId}/${role}`, {
      messageId,
      role,
      box,
      read,
      version: 1,
      seq: this.#seq,
    })
  }
}

function event(
  type: EventType,
  owner: string | null,
  messageId: string,
  role: EntryRole | null,
): ExpectedEvent {
  return { type, owner, messageId, role, version: null, count: null, box: null }
}
