import { h, time } from './render.js'

// The live tail: Server-Sent Events of the engine's /events/stream. The last cursor seen is
// kept in localStorage, so a reload resumes after it (no gap, no repeat).

const storageKey = (engine) => `pigeonhole-inspector:${location.pathname}:${engine}:cursor`

export function savedCursor(engine) {
  const n = Number(localStorage.getItem(storageKey(engine)))
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/**
 * Streams events into `list` (newest first, at most `keep`), calling `onEvent` for each.
 * Starts after the saved cursor, else shows the last few (`lastCursor - 20`).
 */
export function startTail(engine, list, status, lastCursor, onEvent, keep = 200) {
  const saved = savedCursor(engine.name)
  const after = saved !== undefined && saved <= lastCursor ? saved : Math.max(0, lastCursor - 20)
  const source = new EventSource(engine.url('/events/stream', { after }))
  status.textContent = `connecting (after #${after})`
  source.onopen = () => {
    status.textContent = `live, after #${after}`
    status.dataset.state = 'live'
  }
  source.onerror = () => {
    status.textContent = 'reconnecting…'
    status.dataset.state = 'down'
  }
  const seen = (e) => {
    const event = JSON.parse(e.data)
    localStorage.setItem(storageKey(engine.name), String(event.cursor))
    list.prepend(
      h(
        'li',
        { class: 'event', dataset: { cursor: event.cursor, type: event.type } },
        h('span', { class: 'cursor' }, `#${event.cursor}`),
        h('span', { class: 'type' }, event.type),
        h('span', { class: 'owner' }, event.owner ?? '–'),
        h('span', { class: 'mid' }, event.messageId ?? ''),
        h('time', {}, time(event.at)),
      ),
    )
    while (list.children.length > keep) list.lastElementChild.remove()
    onEvent(event)
  }
  // Each event arrives under its type's name; listen to every type the engine has.
  for (const type of eventTypes) source.addEventListener(type, seen)
  return source
}

const eventTypes = [
  'account.registered',
  'account.updated',
  'account.removed',
  'message.sent',
  'message.received',
  'message.broadcast',
  'message.read',
  'message.unread',
  'message.moved',
  'message.deleted',
  'message.updated',
  'message.retracted',
  'thread.created',
  'thread.closed',
  'request.incomingReceived',
  'request.statusChanged',
  'consent.changed',
  'delivery.failed',
  'delivery.refused',
  'file.uploaded',
]
