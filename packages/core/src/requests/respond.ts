import { changeConsent } from '../consent/change.js'
import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import { PigeonholeError } from '../errors.js'
import { contentJson } from '../messages/content-size.js'
import { storeSends } from '../send/pipeline.js'
import type { Content } from '../types.js'
import { jsonObject } from '../validation/common.js'
import { describeValue } from '../validation/parse.js'
import { isGroup } from './check-create.js'
import { checkDecision, type DecisionMode, paramsOf } from './check-decision.js'
import { grantsConsent } from './processors.js'
import type { RequestState } from './request-state.js'
import { toRequest } from './rows.js'
import type {
  DecideGroup,
  DecideItem,
  RequestItem,
  RequestItemContext,
  ResponseContent,
  ResponseItem,
  ResponseItemGroup,
  ValidationResult,
} from './types.js'

type Decision = DecideItem | DecideGroup

/**
 * Decides an incoming request in the caller's write: checks the decisions, runs the item
 * processors, stores `Decided` and sends the Response through the send pipeline (whose
 * content step then stores `Completed` on both sides). Returns the failed check instead when
 * the decisions do not hold; then nothing was written.
 */
export async function decide(
  ctx: EngineContext,
  tx: WriteTx,
  state: RequestState,
  decisions: readonly Decision[],
  mode: DecisionMode,
  by?: string,
): Promise<ValidationResult | undefined> {
  const request = toRequest(state.row)
  const context: RequestItemContext = {
    owner: request.owner,
    peer: request.peer,
    requestId: request.id,
    now: tx.now,
  }
  const check = checkDecision(
    ctx.requests,
    { status: request.status, expired: request.status === 'Expired', items: request.content.items },
    decisions,
    mode,
    context,
  )
  if (!check.isSuccess) return check
  const items: ResponseContent['items'] = []
  for (let i = 0; i < request.content.items.length; i++) {
    const item = request.content.items[i]!
    const d = decisions[i]!
    if (isGroup(item)) {
      const group: ResponseItemGroup = { '@type': 'ResponseItemGroup', items: [] }
      for (let j = 0; j < item.items.length; j++) {
        group.items.push(
          await answer(ctx, tx, item.items[j]!, (d as DecideGroup).items[j]!, context),
        )
      }
      items.push(group)
    } else {
      items.push(await answer(ctx, tx, item, d as DecideItem, context))
    }
  }
  const response: ResponseContent = {
    '@type': 'Response',
    requestId: request.id,
    result: mode === 'accept' ? 'Accepted' : 'Rejected',
    items,
  }
  await state.move('Decided', by).save()
  await sendResponse(ctx, tx, request.owner, request.peer, response)
  return undefined
}

async function answer(
  ctx: EngineContext,
  tx: WriteTx,
  item: RequestItem,
  decision: DecideItem,
  context: RequestItemContext,
): Promise<ResponseItem> {
  if (!decision.accept) {
    return {
      '@type': 'RejectResponseItem',
      result: 'Rejected',
      ...(decision.code !== undefined && { code: decision.code }),
      ...(decision.message !== undefined && { message: decision.message }),
    }
  }
  const processor = ctx.requests.processors.get(item['@type'])
  const answered = await processor?.accept?.(item, paramsOf(decision), context)
  if (processor && grantsConsent.has(processor)) {
    await changeConsent(ctx, tx, context.owner, context.peer, 'allowed', 'requests.accept')
  }
  if (answered === undefined) return { '@type': 'AcceptResponseItem', result: 'Accepted' }
  const json = jsonObject.safeParse(answered)
  if (!json.success || answered.result !== 'Accepted' || typeof answered['@type'] !== 'string') {
    throw new PigeonholeError(
      'invalid_input',
      `requests: processor "${item['@type']}": accept: expected a JSON object { "@type": string, result: "Accepted", ... } or undefined, got ${describeValue(answered)}`,
      { field: 'processors', processor: item['@type'] },
    )
  }
  return answered
}

/** The Response as a message from the request's recipient to its sender, in the same write. */
async function sendResponse(
  ctx: EngineContext,
  tx: WriteTx,
  from: string,
  to: string,
  response: ResponseContent,
): Promise<void> {
  const where = 'requests: the Response'
  const content = response as unknown as Content
  const [outcome] = await storeSends(ctx, tx, [
    {
      from,
      to: [to],
      content,
      contentJson: contentJson(ctx, content, where),
      attachments: [],
      threadId: null,
      idempotencyKey: null,
      origin: 'requests',
    },
  ])
  if (outcome!.status === 'failed') {
    const e = outcome!.error
    throw new PigeonholeError(e.code, `${where} to "${to}" could not be sent: ${e.message}`, {
      ...e.details,
    })
  }
}
