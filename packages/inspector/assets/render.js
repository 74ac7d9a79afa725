// Small DOM helpers: every piece of data goes in as text (textContent), never as HTML.

/** An element: `h('td', { class: 'n' }, 'text', child)`; `on*` attributes are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value)
    else if (name === 'dataset') Object.assign(el.dataset, value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

/** A time as `2026-11-30 04:41:07` (local), or a dash. */
export function time(ms) {
  if (ms === null || ms === undefined) return '–'
  const d = new Date(ms)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** JSON, indented, in a <pre>. */
export function json(value, cls = 'json') {
  return h('pre', { class: cls }, JSON.stringify(value, null, 2))
}

/** A definition list from [label, value] pairs (values may be nodes). */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]),
  )
}

/** Replaces what `el` holds. */
export function fill(el, ...children) {
  el.replaceChildren()
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) el.append(child)
  }
  return el
}

/** The subject or the first words of a message's content. */
export function summary(content) {
  if (!content || typeof content !== 'object') return ''
  if (content['@type'] === 'Request') return `Request: ${content.title ?? content.id}`
  if (content['@type'] === 'Response') return `Response (${content.result})`
  if (content['@type'] === 'RemoteContent') return content.summary?.subject ?? '(remote content)'
  return content.subject ?? content.text?.slice(0, 80) ?? content['@type'] ?? '(content)'
}

export function bytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

/** Runs `run`; when it throws, `where` shows the error (and gets the class `failed`). */
export async function attempt(where, run) {
  try {
    where.classList.remove('failed')
    return await run()
  } catch (error) {
    where.classList.add('failed')
    fill(where, h('p', { class: 'error' }, error.message))
  }
}
