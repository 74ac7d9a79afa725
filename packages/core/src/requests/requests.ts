import { accountExists, notFound, registeredAccounts } from '../accounts/lookup.js'
import { normalizeAddress } from '../engine/addresses.js'
import type { EngineContext } from '../engine/context.js'
import { PigeonholeError } from '../errors.js'
import type { Page } from '../types.js'
import { parseInput } from '../validation/parse.js'
import { checkCreate, failed } from './check-create.js'
import { checkDecision, type DecisionMode, rejectAll } from './check-decision.js'
import { expireDue, expireOwner, readExpiring } from './expiry.js'
import { listRequests } from './list.js'
import { RequestState } from './request-state.js'
import { decide } from './respond.js'
import { findRequest, newRequestRow, toRequest } from './rows.js'
import {
  type AcceptRequestInput,
  acceptRequestInput,
  type CreateRequestInput,
  createRequestInput,
  type GetRequestInput,
  getRequestInput,
  type ListRequestsInput,
  listRequestsInput,
  type RejectRequestInput,
  rejectRequestInput,
} from './schemas.js'
import type { LocalRequest, RequestContent, ValidationResult } from './types.js'

type ParsedCreate = ReturnType<typeof createRequestInput.parse>

/**
 * The Request/Response protocol between peers (after enmeshed): create a Draft, send it in a
 * message, the peer accepts or rejects each item, the Response comes back. Every method takes
 * the acting `owner`.
 */
export class Requests {
  readonly #ctx: EngineContext

  constructor(ctx: EngineContext) {
    this.#ctx = ctx
  }

  /** Whether `create` would succeed: a result per item; never throws for domain reasons. */
  async canCreate(input: CreateRequestInput): Promise<ValidationResult> {
    const parsed = parseInput(createRequestInput, input, 'requests.canCreate')
    return this.#checkCreate(this.#ctx.db, parsed, this.#ctx.clock.now(), undefined)
  }

  /** Stores an outgoing request as a `Draft`; send a message with its `content` to open it. */
  async create(input: CreateRequestInput): Promise<LocalRequest> {
    const where = 'requests.create'
    const parsed = parseInput(createRequestInput, input, where)
    const owner = this.#norm(parsed.owner)
    const peer = this.#norm(parsed.peer)
    return this.#ctx.write(async (tx) => {
      // Locked (rowLocks): the owner is not removed while its request is written.
      if (!(await registeredAccounts(this.#ctx, tx, [owner])).has(owner)) {
        throw notFound(owner, where, 'owner')
      }
      const check = await this.#checkCreate(tx.db, parsed, tx.now, owner)
      if (!check.isSuccess) {
        throw new PigeonholeError(
          'invalid_input',
          `${where}: ${check.message ?? 'the request is not valid'}${firstItemProblem(check)}`,
          { field: 'content', code: check.code, validation: check },
        )
      }
      const id = this.#ctx.ids.next('req')
      const { content: asked } = parsed
      const content: RequestContent = { '@type': 'Request', id, ...asked } as RequestContent
      const row = newRequestRow({
        owner,
        id,
        direction: 'outgoing',
        peer,
        status: 'Draft',
        content,
        now: tx.now,
        sourceMessageId: null,
      })
      return toRequest(await new RequestState(tx, row, true).save())
    }, where)
  }

  /** One side of a request, or null. Past `expiresAt`, a request not yet decided is stored `Expired` first. */
  async get(input: GetRequestInput): Promise<LocalRequest | null> {
    const parsed = parseInput(getRequestInput, input, 'requests.get')
    const owner = this.#norm(parsed.owner)
    let row = await findRequest(this.#ctx, this.#ctx.db, owner, parsed.id, false)
    if (row && readExpiring([row], this.#ctx.clock.now()).length > 0) {
      await expireOwner(this.#ctx, owner, [parsed.id])
      row = await findRequest(this.#ctx, this.#ctx.db, owner, parsed.id, false)
    }
    if (!row || (parsed.direction !== undefined && row.direction !== parsed.direction)) return null
    return toRequest(row)
  }

  /** The owner's requests, newest first, by keyset cursor (expired ones stored `Expired` first). */
  async list(input: ListRequestsInput): Promise<Page<LocalRequest>> {
    const parsed = parseInput(listRequestsInput, input, 'requests.list')
    const owner = this.#norm(parsed.owner)
    await expireOwner(this.#ctx, owner)
    return listRequests(this.#ctx, owner, parsed)
  }

  /** Whether `accept` would succeed with these decisions: a tree that mirrors the items. */
  async canAccept(input: AcceptRequestInput): Promise<ValidationResult> {
    const parsed = parseInput(acceptRequestInput, input, 'requests.canAccept')
    return this.#checkDecision(parsed.owner, parsed.id, parsed.items, 'accept')
  }

  /** Accepts an incoming request: `Decided`, the Response sent, `Completed`, in one transaction. */
  async accept(input: AcceptRequestInput): Promise<LocalRequest> {
    const parsed = parseInput(acceptRequestInput, input, 'requests.accept')
    return this.#decide(parsed.owner, parsed.id, parsed.items, 'accept')
  }

  /** Whether `reject` would succeed. */
  async canReject(input: RejectRequestInput): Promise<ValidationResult> {
    const parsed = parseInput(rejectRequestInput, input, 'requests.canReject')
    return this.#checkDecision(parsed.owner, parsed.id, parsed.items, 'reject')
  }

  /** Rejects an incoming request: a `Rejected` Response is sent and it ends `Completed`. */
  async reject(input: RejectRequestInput): Promise<LocalRequest> {
    const parsed = parseInput(rejectRequestInput, input, 'requests.reject')
    return this.#decide(parsed.owner, parsed.id, parsed.items, 'reject')
  }

  /** Stores `Expired` on every request past `expiresAt` not yet decided; returns how many. */
  expireDue(): Promise<number> {
    return expireDue(this.#ctx)
  }

  #norm(address: string): string {
    return normalizeAddress(address, this.#ctx.peerId)
  }

  async #checkCreate(
    db: EngineContext['db'],
    parsed: ParsedCreate,
    now: number,
    checkedOwner: string | undefined,
  ): Promise<ValidationResult> {
    const owner = this.#norm(parsed.owner)
    const peer = this.#norm(parsed.peer)
    const context = { owner, peer, requestId: '', now }
    const content = parsed.content as unknown as RequestContent
    let whole: { code: string; message: string } | undefined
    if (checkedOwner === undefined && !(await accountExists(db, owner))) {
      whole = { code: 'not_found', message: `owner: no account "${owner}"` }
    } else if (peer === owner) {
      whole = {
        code: 'peer_is_owner',
        message: `peer: a request goes to another account, got the owner "${owner}"`,
      }
    } else if (!peer.includes('@') && !(await accountExists(db, peer))) {
      whole = { code: 'recipient_not_found', message: `peer: no account "${peer}"` }
    } else if (content.expiresAt !== undefined && content.expiresAt <= now) {
      whole = {
        code: 'request_expired',
        message: `content.expiresAt: expected a time after now (${now}), got ${content.expiresAt}`,
      }
    }
    return checkCreate(this.#ctx.requests, content, context, whole)
  }

  async #checkDecision(
    ownerInput: string,
    id: string,
    items: ParsedDecisions | undefined,
    mode: DecisionMode,
  ): Promise<ValidationResult> {
    const owner = this.#norm(ownerInput)
    const row = await findRequest(this.#ctx, this.#ctx.db, owner, id, false)
    if (row?.direction !== 'incoming') {
      return failed('not_found', `id: "${owner}" received no request "${id}"`)
    }
    const request = toRequest(row)
    const now = this.#ctx.clock.now()
    return checkDecision(
      this.#ctx.requests,
      {
        status: request.status,
        expired: request.status === 'Expired' || readExpiring([row], now).length > 0,
        items: request.content.items,
      },
      items ?? rejectAll(request.content.items),
      mode,
      { owner, peer: request.peer, requestId: id, now },
    )
  }

  async #decide(
    ownerInput: string,
    id: string,
    items: ParsedDecisions | undefined,
    mode: DecisionMode,
  ): Promise<LocalRequest> {
    const where = `requests.${mode}`
    const owner = this.#norm(ownerInput)
    // An expiry found on the way is stored (its own commit) before the call fails.
    const outcome = await this.#ctx.write(
      async (tx): Promise<ValidationResult | 'expired' | undefined> => {
        const row = await findRequest(this.#ctx, tx.db, owner, id, true)
        if (row?.direction !== 'incoming') {
          throw new PigeonholeError(
            'not_found',
            `${where}: id: "${owner}" received no request "${id}"`,
            {
              field: 'id',
              requestId: id,
            },
          )
        }
        const state = new RequestState(tx, row, false)
        if (readExpiring([row], tx.now).length > 0) {
          await state.move('Expired').save()
          return 'expired'
        }
        return decide(this.#ctx, tx, state, items ?? rejectAll(toRequest(row).content.items), mode)
      },
      where,
    )
    if (outcome === 'expired') throw expiredError(where, id)
    if (outcome) throw decisionError(where, id, outcome)
    return toRequest((await findRequest(this.#ctx, this.#ctx.db, owner, id, false))!)
  }
}

type ParsedDecisions = ReturnType<typeof acceptRequestInput.parse>['items']

function expiredError(where: string, id: string): PigeonholeError {
  return new PigeonholeError(
    'request_expired',
    `${where}: request "${id}" expired: it can no longer be decided`,
    {
      requestId: id,
    },
  )
}

/** A failed check as the error accept/reject throw: the status codes as they are, the rest invalid_input. */
function decisionError(where: string, id: string, check: ValidationResult): PigeonholeError {
  const code = check.code
  if (code === 'invalid_transition' || code === 'request_expired') {
    return new PigeonholeError(code, `${where}: ${check.message}`, {
      requestId: id,
      validation: check,
    })
  }
  return new PigeonholeError(
    'invalid_input',
    `${where}: ${check.message}${firstItemProblem(check)}`,
    {
      field: 'items',
      code,
      requestId: id,
      validation: check,
    },
  )
}

/** The first failing leaf, to name in a message: "; items[1]: ...". */
function firstItemProblem(result: ValidationResult): string {
  let node = result
  while (node.items.some((i) => !i.isSuccess)) node = node.items.find((i) => !i.isSuccess)!
  return node === result ? '' : `; ${node.message}`
}
