import type {
  LocalRequest,
  PigeonholeEvent,
  RequestItem,
  RequestItemGroup,
  ResponseItem,
  ResponseItemGroup,
} from '@pigeonhole/core'

export type Log = (line: string) => void

export function section(log: Log, title: string): void {
  log(`\n== ${title}`)
}

/** One event as it arrives on events$. */
export function describeEvent(e: PigeonholeEvent): string {
  const d = e.data
  const what =
    e.type === 'request.statusChanged'
      ? `${d.requestId} (${d.direction}) ${d.oldStatus ?? '(new)'} -> ${d.newStatus}`
      : e.type === 'request.incomingReceived'
        ? `${d.requestId} from ${d.peer}`
        : (e.messageId ?? '')
  return `  [event] ${e.type.padEnd(24)} ${String(e.owner ?? '').padEnd(5)} ${what}`
}

/** A request with its items, as an app would show it. */
export function describeRequest(r: LocalRequest): string[] {
  const lines = [
    `  ${r.id} "${r.content.title ?? ''}" ${r.direction} (peer ${r.peer}) status ${r.status}`,
  ]
  r.content.items.forEach((item, i) => {
    lines.push(...describeItem(item, `    ${i + 1}.`))
  })
  return lines
}

function describeItem(item: RequestItem | RequestItemGroup, prefix: string): string[] {
  if (item['@type'] === 'RequestItemGroup') {
    const group = item as RequestItemGroup
    return [
      `${prefix} group "${group.title ?? ''}"`,
      ...group.items.flatMap((child, j) => describeItem(child, `${prefix}${j + 1}.`)),
    ]
  }
  const one = item as RequestItem
  const must = one.mustBeAccepted ? ' (required)' : ''
  const extra = one['@type'] === 'ConsentRequestItem' ? `: "${one.consent}" ${one.link ?? ''}` : ''
  return [`${prefix} ${one['@type']} "${one.title ?? ''}"${must}${extra}`]
}

/** The answers of a Response, one line each. */
export function describeAnswers(items: (ResponseItem | ResponseItemGroup)[]): string[] {
  return items.map((answer, i) => {
    const { '@type': type, ...rest } = answer
    return `    ${i + 1}. ${type} ${JSON.stringify(rest)}`
  })
}
