import type { AsyncCommand } from 'fast-check'
import { expect } from 'vitest'
import type { Content } from '../../types.js'
import { attempt, type EngineUnderTest } from './engine-under-test.js'
import type { Model } from './model.js'
import { expectFailure, expectSuccess, pickIds, pickMessage, pickOwner, settle } from './step.js'

type Command = AsyncCommand<Model, EngineUnderTest>

/** Which ids an op by ids names: indexes into the owner's live messages, and maybe a stranger. */
export interface IdPicks {
  picks: number[]
  extra: 'none' | 'any' | 'unknown'
}

export class MarkCommand implements Command {
  constructor(
    readonly ownerPick: number,
    readonly read: boolean,
    readonly target: IdPicks | { box: string },
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const { read } = this
    const owner = pickOwner(m, this.ownerPick)
    const target: { box: string } | { ids: string[] } =
      'box' in this.target
        ? { box: this.target.box }
        : { ids: pickIds(m, owner, this.target.picks, this.target.extra) }
    const error = 'box' in target ? m.planBox(owner, target.box) : m.planByIds(owner, target.ids)
    const input = { owner, ...target }
    const got = await attempt(() =>
      read ? r.ph.messages.markRead(input) : r.ph.messages.markUnread(input),
    )
    if (error) {
      expectFailure(got, error)
      return settle(m, r, [], false)
    }
    const { changed, events } = m.mark(owner, target, read)
    expect(expectSuccess(got)).toEqual({ changed })
    await settle(m, r, events, false)
  }
  toString = () =>
    `mark${this.read ? 'Read' : 'Unread'}(owner ${this.ownerPick}, ${JSON.stringify(this.target)})`
}

export class MoveCommand implements Command {
  constructor(
    readonly ownerPick: number,
    readonly ids: IdPicks,
    readonly to: string,
    readonly from?: string,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const { to, from } = this
    const owner = pickOwner(m, this.ownerPick)
    const ids = pickIds(m, owner, this.ids.picks, this.ids.extra)
    const error = m.planByIds(owner, ids, from)
    const got = await attempt(() =>
      r.ph.messages.move({ owner, ids, to, ...(from === undefined ? {} : { from }) }),
    )
    if (error) {
      expectFailure(got, error)
      return settle(m, r, [], false)
    }
    const events = m.move(owner, ids, to, from)
    expect(expectSuccess(got)).toEqual({ changed: events.length })
    await settle(m, r, events, false)
  }
  toString = () =>
    `move(owner ${this.ownerPick}, ${JSON.stringify(this.ids)}, to ${this.to}, from ${this.from})`
}

export class DeleteCommand implements Command {
  constructor(
    readonly ownerPick: number,
    readonly ids: IdPicks,
    readonly box?: string,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const { box } = this
    const owner = pickOwner(m, this.ownerPick)
    const ids = pickIds(m, owner, this.ids.picks, this.ids.extra)
    const error = m.planByIds(owner, ids, box)
    const got = await attempt(() =>
      r.ph.messages.delete({ owner, ids, ...(box === undefined ? {} : { box }) }),
    )
    if (error) {
      expectFailure(got, error)
      return settle(m, r, [], false)
    }
    const events = m.remove(owner, ids, box)
    expect(expectSuccess(got)).toEqual({ changed: events.length })
    await settle(m, r, events, false)
  }
  toString = () => `delete(owner ${this.ownerPick}, ${JSON.stringify(this.ids)}, box ${this.box})`
}

/** Who edits: the sender, or someone else (then `forbidden`). */
function editor(m: Model, id: string, other: boolean): string | null {
  const from = m.messages.get(id)?.from ?? null
  if (!other) return from
  return from === 'alice' ? null : 'alice'
}

export class UpdateCommand implements Command {
  constructor(
    readonly pick: number,
    readonly other: boolean,
    readonly stale: boolean,
    readonly content: Content,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const id = pickMessage(m, this.pick)
    const by = editor(m, id, this.other)
    const current = m.messages.get(id)?.version ?? 1
    const expectedVersion = !this.stale ? current : current > 1 ? current - 1 : current + 1
    const error = m.planEdit(id, by, expectedVersion)
    const got = await attempt(() =>
      r.ph.messages.update({ id, by, content: this.content, expectedVersion }),
    )
    if (error) {
      expectFailure(got, error)
      return settle(m, r, [], true)
    }
    const events = m.update(id, this.content)
    const updated = expectSuccess(got)
    const stored = await r.ph.admin.getMessage(id)
    for (const message of [updated, stored]) {
      expect([message?.id, message?.version, message?.content]).toEqual([
        id,
        current + 1,
        this.content,
      ])
    }
    await settle(m, r, events, true)
  }
  toString = () =>
    `update(${this.pick}, other: ${this.other}, stale: ${this.stale}, ${JSON.stringify(this.content)})`
}

export class RetractCommand implements Command {
  constructor(
    readonly pick: number,
    readonly other: boolean,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const id = pickMessage(m, this.pick)
    const by = editor(m, id, this.other)
    const error = m.planEdit(id, by)
    const got = await attempt(() => r.ph.messages.retract({ id, by }))
    if (error) {
      expectFailure(got, error)
      return settle(m, r, [], true)
    }
    const events = m.retract(id)
    const retracted = expectSuccess(got)
    const stored = await r.ph.admin.getMessage(id)
    for (const message of [retracted, stored]) {
      expect(message?.retractedAt, 'retractedAt is set').not.toBeNull()
      expect([message?.id, message?.content, message?.attachments]).toEqual([id, {}, []])
    }
    await settle(m, r, events, true)
  }
  toString = () => `retract(${this.pick}, other: ${this.other})`
}
