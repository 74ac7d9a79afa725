import { PigeonholeError } from '../../errors.js'
import { isDue } from '../../requests/request-state.js'
import { findRequests, type RequestRow, requestKey } from '../../requests/rows.js'
import { requestContent, responseContent } from '../../requests/schemas.js'
import type { RequestContent, ResponseContent } from '../../requests/types.js'
import { canonicalJson } from '../../util/canonical-json.js'
import { parseJson } from '../../util/json.js'
import { describeIssue } from '../../validation/parse.js'
import type { EngineBatch } from '../content-hooks.js'
import type { SendItem, SendPolicy, Verdicts } from '../policy.js'

type Parsed =
  | { item: SendItem; kind: 'Request'; content: RequestContent }
  | { item: SendItem; kind: 'Response'; content: ResponseContent }

/**
 * The Request protocol's guards: a Request message opens the sender's own Draft, sent to its
 * peer alone, as it was created; a Response is sent by `requests.accept`/`reject` only, and
 * is taken only by the request's sender, once, from its peer. Every message of another
 * `@type` passes untouched (and with no read).
 */
export const requestContentStep: SendPolicy = {
  name: 'request-content',
  judge(batch, verdicts) {
    let parsed: Parsed[] | undefined
    for (const item of batch.items) {
      const type = item.content['@type']
      if (type !== 'Request' && type !== 'Response') continue
      if (item.from === null || item.broadcast) {
        verdicts.refuse(
          item,
          invalid(`content: a ${type} needs a sender (not a system message or broadcast)`),
        )
        continue
      }
      const schema = type === 'Request' ? requestContent : responseContent
      const result = schema.safeParse(item.content)
      if (!result.success) {
        const issue = describeIssue(result.error.issues[0]!, item.content, 'content')
        verdicts.refuse(item, invalid(`content: not a valid ${type}: ${issue.message}`))
        continue
      }
      parsed ??= []
      parsed.push({ item, kind: type, content: result.data } as Parsed)
    }
    if (parsed) return judgeProtocol(batch as EngineBatch, verdicts, parsed)
  },
}

async function judgeProtocol(
  batch: EngineBatch,
  verdicts: Verdicts,
  parsed: Parsed[],
): Promise<void> {
  const keys: { owner: string; id: string }[] = []
  for (const p of parsed) {
    const id = p.kind === 'Request' ? p.content.id : p.content.requestId
    // A message from a peer: its sender's side is on the sender's engine.
    if (!batch.prepared[p.item.index]?.received) keys.push({ owner: p.item.from!, id })
    for (const to of p.item.to) if (batch.accounts.has(to)) keys.push({ owner: to, id })
  }
  const rows = await findRequests(batch.ctx, batch.tx.db, keys)
  // A request opened or answered earlier in the batch counts as done for later items.
  const done = new Set<string>()
  for (const p of parsed) {
    const error =
      p.kind === 'Request'
        ? checkRequest(batch, p.item, p.content, rows, done)
        : checkResponse(batch, p.item, p.content, rows, done)
    if (error) verdicts.refuse(p.item, error)
  }
}

function checkRequest(
  batch: EngineBatch,
  item: SendItem,
  content: RequestContent,
  rows: Map<string, RequestRow>,
  done: Set<string>,
): PigeonholeError | undefined {
  const from = item.from!
  // A Request from a peer: its sender's engine checked the Draft; here only the recipients'.
  if (batch.prepared[item.index]?.received) return idConflict(item, content, rows)
  const key = requestKey(from, content.id)
  const row = rows.get(key)
  if (row?.direction !== 'outgoing') {
    return new PigeonholeError(
      'not_found',
      `content.id: "${from}" has no outgoing request "${content.id}" (create it with requests.create first)`,
      { field: 'content.id', requestId: content.id },
    )
  }
  const details = { field: 'content', requestId: content.id, status: row.status }
  if (done.has(key) || (row.status !== 'Draft' && row.status !== 'Expired')) {
    return new PigeonholeError(
      'request_already_sent',
      `request "${content.id}" was sent before (it is ${done.has(key) ? 'Open' : row.status})`,
      details,
    )
  }
  if (row.status === 'Expired' || isDue(row, batch.now)) {
    return new PigeonholeError(
      'request_expired',
      `request "${content.id}" expired at ${row.expires_at}`,
      {
        ...details,
        expiresAt: Number(row.expires_at),
      },
    )
  }
  if (item.to.length !== 1 || item.to[0] !== row.peer) {
    return new PigeonholeError(
      'request_peer_mismatch',
      `to: a Request goes to its peer alone: expected ["${row.peer}"], got ${JSON.stringify(item.to)}`,
      { field: 'to', requestId: content.id, peer: row.peer, to: [...item.to] },
    )
  }
  if (canonicalJson(content) !== canonicalJson(parseJson(row.content))) {
    return new PigeonholeError(
      'request_content_mismatch',
      `content: differs from the stored Draft of request "${content.id}" (send its content as requests.create returned it)`,
      details,
    )
  }
  const conflict = idConflict(item, content, rows)
  if (conflict) return conflict
  done.add(key)
  return undefined
}

function idConflict(
  item: SendItem,
  content: RequestContent,
  rows: Map<string, RequestRow>,
): PigeonholeError | undefined {
  for (const to of item.to) {
    if (rows.has(requestKey(to, content.id))) {
      return new PigeonholeError(
        'request_id_conflict',
        `"${to}" already holds a request "${content.id}"`,
        { field: 'content.id', requestId: content.id, recipient: to },
      )
    }
  }
  return undefined
}

function checkResponse(
  batch: EngineBatch,
  item: SendItem,
  content: ResponseContent,
  rows: Map<string, RequestRow>,
  done: Set<string>,
): PigeonholeError | undefined {
  const id = content.requestId
  const prepared = batch.prepared[item.index]
  if (prepared?.origin !== 'requests' && !prepared?.received) {
    return new PigeonholeError(
      'forbidden',
      'content: a Response is sent by requests.accept or requests.reject, not by messages.send',
      { field: 'content', requestId: id },
    )
  }
  const from = item.from!
  for (const to of item.to) {
    if (!batch.accounts.has(to)) continue
    const key = requestKey(to, id)
    const row = rows.get(key)
    if (row?.direction !== 'outgoing') {
      return new PigeonholeError(
        'not_found',
        `content.requestId: "${to}" sent no request "${id}"`,
        {
          field: 'content.requestId',
          requestId: id,
        },
      )
    }
    if (row.peer !== from) {
      return new PigeonholeError(
        'request_peer_mismatch',
        `a Response to request "${id}" must come from "${row.peer}", got "${from}"`,
        {
          field: 'from',
          requestId: id,
          peer: row.peer,
          from,
        },
      )
    }
    if (done.has(key) || (row.status !== 'Open' && row.status !== 'Expired')) {
      return new PigeonholeError(
        'invalid_transition',
        `request "${id}" of "${to}" is ${done.has(key) ? 'Completed' : row.status}: it takes no Response`,
        {
          requestId: id,
          status: row.status,
        },
      )
    }
    if (!sameShape(parseJson<RequestContent>(row.content).items, content.items)) {
      return new PigeonholeError(
        'invalid_input',
        `content.items: the Response must answer each item and group of request "${id}", in order`,
        {
          field: 'content.items',
          requestId: id,
        },
      )
    }
    // The Response is created now, or, from a peer, when its engine created it (the peer's
    // word: an authenticated peer may say any time): past expiresAt, it is too late.
    const createdAt = prepared?.received?.createdAt ?? batch.now
    if (row.expires_at !== null && createdAt > Number(row.expires_at)) {
      return new PigeonholeError(
        'request_expired',
        `request "${id}" expired at ${row.expires_at}: the Response came after`,
        {
          requestId: id,
          expiresAt: Number(row.expires_at),
        },
      )
    }
    done.add(key)
  }
  return undefined
}

/** One answer per item, and a group of answers per group. */
function sameShape(asked: RequestContent['items'], answered: ResponseContent['items']): boolean {
  return (
    asked.length === answered.length &&
    asked.every((item, i) => {
      const answer = answered[i]!
      const isGroup = item['@type'] === 'RequestItemGroup'
      if (isGroup !== (answer['@type'] === 'ResponseItemGroup')) return false
      return (
        !isGroup ||
        (item as { items: unknown[] }).items.length ===
          (answer as { items: unknown[] }).items.length
      )
    })
  )
}

function invalid(message: string): PigeonholeError {
  return new PigeonholeError('invalid_input', message, { field: 'content' })
}
