import type { BoxItem, BoxSummary } from '@pigeonhole/core'

export function section(title: string): void {
  console.log(`\n== ${title}`)
}

export function printItems(items: BoxItem[]): void {
  for (const { entry, message } of items) {
    const from = message.from ?? '(system)'
    const subject = typeof message.content.subject === 'string' ? message.content.subject : ''
    console.log(
      `  ${entry.readAt ? ' ' : '*'} ${from.padEnd(9)} ${subject.padEnd(12)} ${String(message.content.text ?? '')}`,
    )
  }
}

export function printBoxes(owner: string, boxes: BoxSummary[]): void {
  const line = boxes.map((b) => `${b.name} ${b.total} (${b.unread} unread)`).join(', ')
  console.log(`  ${owner}: ${line}`)
}
