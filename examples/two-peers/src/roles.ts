// The two sides of the Request flow, each on its own engine: the shop on peer `a` asks,
// bob on peer `b` answers. The same code runs in one process (memoryNetwork) and in two
// processes over HTTP: each side only talks to its own engine and reacts to its events.
import type { Pigeonhole, PigeonholeEvent } from '@pigeonhole/core'

export type Log = (line: string) => void

/** What the shop sees at the end. */
export interface ShopOutcome {
  requestId: string
  status: string
  result: string
  /** bob's receipt for the message that carried the request. */
  receipt: string
  answers: unknown[]
}

/** bob's side at the end. */
export interface BobOutcome {
  requestId: string
  status: string
}

/** Resolves with the first event `ph` emits from now on that `match` accepts. */
export function nextEvent(
  ph: Pigeonhole,
  match: (e: PigeonholeEvent) => boolean,
): Promise<PigeonholeEvent> {
  return new Promise((resolve, reject) => {
    const s = ph.events$.subscribe({
      next: (e) => {
        if (!match(e)) return
        resolve(e)
        queueMicrotask(() => s.unsubscribe())
      },
      error: reject,
      complete: () => reject(new Error('the engine closed before the event came')),
    })
  })
}

/**
 * The shop (`shop@a`) asks bob at peer `b` to accept its terms and says where he heard of it;
 * resolves once its side of the request is Completed (bob's Response arrived).
 */
export async function shopAsks(ph: Pigeonhole, log: Log): Promise<ShopOutcome> {
  const draft = await ph.requests.create({
    owner: 'shop',
    peer: 'bob@b',
    content: {
      title: 'Welcome to the shop',
      items: [
        {
          '@type': 'ConsentRequestItem',
          mustBeAccepted: true,
          title: 'Terms',
          consent: 'I accept the terms of the shop.',
        },
        { '@type': 'FreeTextRequestItem', mustBeAccepted: false, title: 'How did you find us?' },
      ],
    },
  })
  const completed = nextEvent(
    ph,
    (e) =>
      e.type === 'request.statusChanged' &&
      e.data.requestId === draft.id &&
      e.data.newStatus === 'Completed',
  )
  const message = await ph.messages.send({ from: 'shop', to: ['bob@b'], content: draft.content })
  const open = await ph.requests.get({ owner: 'shop', id: draft.id })
  log(`shop: request ${draft.id} sent to bob@b in ${message.id}, status ${open?.status}`)
  await completed
  const done = (await ph.requests.get({ owner: 'shop', id: draft.id }))!
  const [receipt] = await ph.messages.receipts({ owner: 'shop', id: message.id })
  const result = String(done.response?.content.result)
  log(`shop: request ${done.id} is ${done.status}: ${result}`)
  log(`shop: receipt from ${receipt?.recipient}: ${receipt?.status}`)
  const answers = (done.response?.content.items ?? []) as unknown[]
  log(`shop: answers ${JSON.stringify(answers.map(summary))}`)
  return {
    requestId: done.id,
    status: done.status,
    result,
    receipt: String(receipt?.status),
    answers,
  }
}

/**
 * bob (`bob@b`) answers every request that arrives: reads the message (a `read` receipt goes
 * back), accepts the terms and says where he heard of the shop. Resolves after the first one,
 * with his side's status.
 */
export async function bobAnswers(ph: Pigeonhole, log: Log): Promise<BobOutcome> {
  const arrived = await nextEvent(ph, (e) => e.type === 'request.incomingReceived')
  const id = String(arrived.data.requestId)
  const incoming = (await ph.requests.get({ owner: 'bob', id }))!
  log(`bob: request ${id} from ${incoming.peer}: "${incoming.content.title}", ${incoming.status}`)
  await ph.messages.markRead({ owner: 'bob', ids: [incoming.sourceMessageId!] })
  const answered = await ph.requests.accept({
    owner: 'bob',
    id,
    items: [{ accept: true }, { accept: true, freeText: 'a friend told me' }],
  })
  log(`bob: accepted, his side is ${answered.status}`)
  return { requestId: id, status: answered.status }
}

function summary(item: unknown): string {
  const i = item as { '@type'?: string; result?: string; freeText?: string }
  return `${i['@type']}${i.freeText ? ` "${i.freeText}"` : ''}`
}
