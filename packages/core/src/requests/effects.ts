import type { EngineContext } from '../engine/context.js'
import type { WriteTx } from '../engine/write-tx.js'
import type { ContentHook, WrittenSend } from '../send/content-hooks.js'
import { rejectAll } from './check-decision.js'
import { RequestState } from './request-state.js'
import { decide } from './respond.js'
import { findRequests, newRequestRow, requestKey, toRequest } from './rows.js'
import type { RequestContent, ResponseContent } from './types.js'

/** Local recipients: a remote address keeps its `@peer` after normalization. */
function localRecipients(send: WrittenSend): readonly string[] {
  return send.local ?? send.message.to.filter((to) => !to.includes('@'))
}

/**
 * A Request message was stored: the sender's Draft is `Open`, and each local recipient gets
 * the incoming request, decided at once by a decider rule or left for the owner.
 */
const requestWritten: ContentHook = {
  async written(ctx, tx, sends) {
    const keys = sends.map((s) => ({ owner: s.message.from!, id: idOf(s) }))
    const rows = await findRequests(ctx, tx.db, keys)
    for (const send of sends) {
      const content = send.message.content as unknown as RequestContent
      const row = rows.get(requestKey(send.message.from!, content.id))
      if (row) {
        await new RequestState(tx, row, false)
          .set({ source_message_id: send.message.id })
          .move('Open')
          .save()
      }
      for (const to of localRecipients(send)) await receive(ctx, tx, to, send, content)
    }
  },
}

async function receive(
  ctx: EngineContext,
  tx: WriteTx,
  owner: string,
  send: WrittenSend,
  content: RequestContent,
): Promise<void> {
  const peer = send.message.from!
  tx.emit({
    type: 'request.incomingReceived',
    owner,
    messageId: send.message.id,
    data: { requestId: content.id, peer },
  })
  const state = new RequestState(
    tx,
    newRequestRow({
      owner,
      id: content.id,
      direction: 'incoming',
      peer,
      status: 'Open',
      content,
      now: tx.now,
      sourceMessageId: send.message.id,
    }),
    true,
  ).move('DecisionRequired')
  for (const decider of ctx.requests.deciders) {
    const decision = decider.decide(toRequest(state.row))
    if (!decision) continue
    const items = decision.items ?? rejectAll(content.items)
    const failed = await decide(
      ctx,
      tx,
      state,
      items,
      decision.accept ? 'accept' : 'reject',
      decider.name,
    )
    if (!failed) return
    break
  }
  await state.move('ManualDecisionRequired').save()
}

/**
 * A Response was stored: the responder's request (it sent the Response) and the asker's (it
 * received it) are `Completed`, each with the Response.
 */
const responseWritten: ContentHook = {
  async written(ctx, tx, sends) {
    const keys = sends.flatMap((s) => {
      const id = idOf(s)
      return [s.message.from!, ...localRecipients(s)].map((owner) => ({ owner, id }))
    })
    const rows = await findRequests(ctx, tx.db, keys)
    for (const send of sends) {
      const content = send.message.content as unknown as ResponseContent
      const response = {
        response: JSON.stringify(content),
        response_message_id: send.message.id,
        responded_at: send.message.createdAt,
      }
      for (const owner of [send.message.from!, ...localRecipients(send)]) {
        const row = rows.get(requestKey(owner, content.requestId))
        if (!row) continue
        await new RequestState(tx, row, false).move('Completed').set(response).save()
      }
    }
  },
}

function idOf(send: WrittenSend): string {
  const content = send.message.content
  return String(content['@type'] === 'Request' ? content.id : content.requestId)
}

export const requestHooks: ReadonlyMap<string, ContentHook> = new Map([
  ['Request', requestWritten],
  ['Response', responseWritten],
])
