import { requireAccount } from '../accounts/lookup.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type {
  ConsentChangeResult,
  ConsentCheck,
  ConsentEntry,
  ConsentFeedItem,
  Page,
} from '../types.js'
import { parseInput } from '../validation/parse.js'
import { changeConsent } from './change.js'
import { readFeed } from './feed.js'
import { listConsents } from './list.js'
import { readConsents } from './queries.js'
import { defaultState, judgeConsent } from './rules.js'
import {
  type ConsentChangeInput,
  type ConsentCheckInput,
  type ConsentFeedInput,
  type ConsentListInput,
  changeInput,
  checkInput,
  feedInput,
  listInput,
} from './schemas.js'

/** Who may message whom: grant, revoke, check, and the feed of changes per sender. */
export class Consent {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /**
   * `owner` allows messages from `sender` (`'system'`: system messages and broadcasts). In mode
   * `requests` the sender's messages waiting in `requests` move to `inbox`. Idempotent.
   */
  grant(input: ConsentChangeInput): Promise<ConsentChangeResult> {
    return this.#change(input, 'allowed', 'consent.grant')
  }

  /**
   * `owner` denies messages from `sender` (in mode `open` too: a block). In mode `requests` the
   * sender's messages waiting in `requests` are deleted. Idempotent.
   */
  revoke(input: ConsentChangeInput): Promise<ConsentChangeResult> {
    return this.#change(input, 'denied', 'consent.revoke')
  }

  /** Whether a message from `sender` would reach `recipient` now, and in which box. */
  async check(input: ConsentCheckInput): Promise<ConsentCheck> {
    const parsed = parseInput(checkInput, input, 'consent.check')
    const sender = normalizeAddress(parsed.sender, this.#ctx.peerId)
    const recipient = normalizeAddress(parsed.recipient, this.#ctx.peerId)
    const found = recipient.includes('@')
      ? undefined
      : (
          await readConsents(
            this.#ctx,
            { db: this.#ctx.db, sync: undefined },
            [recipient],
            [sender],
          )
        ).get(recipient)
    if (!found) return { allowed: false, reason: 'recipient_not_found' }
    if (sender === recipient) return { allowed: true, box: 'inbox' }
    return { ...judgeConsent(found.mode, found.states.get(sender) ?? defaultState(sender)) }
  }

  /**
   * The changes of consent to `sender` (who granted, who revoked, when) in [since, until),
   * oldest first, `limit` at a time (default 100): for services that mirror their audience.
   */
  feed(input: ConsentFeedInput): Promise<Page<ConsentFeedItem>> {
    const where = 'consent.feed'
    const parsed = parseInput(feedInput, input, where)
    if (parsed.since !== undefined && parsed.until !== undefined && parsed.until < parsed.since) {
      throw new PigeonholeError(
        'invalid_input',
        `${where}: until: expected a time at or after since (${parsed.since}), got ${parsed.until}`,
        { field: 'until', expected: `at least ${parsed.since}`, got: parsed.until },
      )
    }
    const sender = normalizeAddress(parsed.sender, this.#ctx.peerId)
    return readFeed(this.#ctx, { ...parsed, sender }, where)
  }

  /**
   * The states `owner` holds (granted: `allowed`, revoked: `denied`) in sender order, `limit`
   * at a time (default 100). Senders it never granted nor revoked are not listed: they are
   * `unknown` (see `check` for what that means in the account's mode).
   */
  async list(input: ConsentListInput): Promise<Page<ConsentEntry>> {
    const where = 'consent.list'
    const parsed = parseInput(listInput, input, where)
    const owner = await requireAccount(this.#ctx, parsed.owner, where)
    return listConsents(this.#ctx, { ...parsed, owner }, where)
  }

  async #change(
    input: ConsentChangeInput,
    state: 'allowed' | 'denied',
    where: string,
  ): Promise<ConsentChangeResult> {
    const parsed = parseInput(changeInput, input, where)
    const owner = normalizeAddress(parsed.owner, this.#ctx.peerId)
    const sender = normalizeAddress(parsed.sender, this.#ctx.peerId)
    if (owner === sender) {
      throw new PigeonholeError(
        'invalid_input',
        `${where}: sender: expected another address than the owner ("${owner}"): an account always takes its own messages`,
        { field: 'sender', expected: 'an address other than owner', got: sender },
      )
    }
    if (owner.includes('@')) {
      throw new PigeonholeError('not_found', `${where}: owner: no account "${owner}"`, {
        field: 'owner',
        address: owner,
      })
    }
    return this.#ctx.write((tx) => changeConsent(this.#ctx, tx, owner, sender, state, where), where)
  }
}
