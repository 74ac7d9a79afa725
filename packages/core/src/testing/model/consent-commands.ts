import type { AsyncCommand } from 'fast-check'
import { expect } from 'vitest'
import type { ConsentMode } from '../../types.js'
import { attempt, type EngineUnderTest } from './engine-under-test.js'
import { accounts, type Model } from './model.js'
import { expectFailure, expectSuccess, settle } from './step.js'

type Command = AsyncCommand<Model, EngineUnderTest>

/** The senders a consent change names: the accounts and the system. */
export const consentSenders = [...accounts, 'system'] as const

/** `consent.grant` or `consent.revoke` by one account about one sender (itself: invalid_input). */
export class ConsentCommand implements Command {
  constructor(
    readonly owner: string,
    readonly sender: string,
    readonly grant: boolean,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const { owner, sender, grant } = this
    const input = { owner, sender }
    const got = await attempt(() =>
      grant ? r.ph.consent.grant(input) : r.ph.consent.revoke(input),
    )
    if (owner === sender) {
      expectFailure(got, 'invalid_input')
      return settle(m, r, [], false)
    }
    const state = grant ? 'allowed' : 'denied'
    const previous = m.stateOf(owner, sender === 'system' ? null : sender)
    const events = m.changeConsent(owner, sender, state)
    const waiting = events.filter((e) => e.type !== 'consent.changed').length
    expect(expectSuccess(got)).toEqual({
      owner,
      sender,
      state,
      previous,
      changed: events.length > 0,
      moved: grant ? waiting : 0,
      dropped: grant ? 0 : waiting,
    })
    expect(await r.ph.consent.check({ sender, recipient: owner })).toEqual(
      m.judge(owner, sender === 'system' ? null : sender),
    )
    await settle(m, r, events, false)
  }
  toString = () => `${this.grant ? 'grant' : 'revoke'}(${this.owner} ← ${this.sender})`
}

/** `accounts.update` of the consent mode: the next sends follow it. */
export class ModeCommand implements Command {
  constructor(
    readonly owner: string,
    readonly mode: ConsentMode,
  ) {}
  check = () => true
  async run(m: Model, r: EngineUnderTest): Promise<void> {
    const got = await attempt(() =>
      r.ph.accounts.update({ address: this.owner, consent: this.mode }),
    )
    expect(expectSuccess(got).consent).toBe(this.mode)
    m.modes.set(this.owner, this.mode)
    const updated = {
      type: 'account.updated' as const,
      owner: this.owner,
      messageId: '',
      role: null,
      version: null,
      count: null,
      box: null,
    }
    await settle(m, r, [updated], true)
  }
  toString = () => `mode(${this.owner}: ${this.mode})`
}
