import { ApiError, call } from './api.js'
import { Pane } from './pane.js'

// The page: sign in (a key in the URL fragment from `pigeonhole inspect`, or typed), then
// one pane per engine.

async function signIn(key) {
  await call('POST', 'session', { key })
}

async function boot() {
  const fragment = new URLSearchParams(location.hash.slice(1))
  const given = fragment.get('key')
  if (given) {
    // The key leaves the address bar (and the history) at once.
    history.replaceState(null, '', location.pathname + location.search)
    await signIn(given).catch(() => {})
  }
  let info
  try {
    info = await call('GET', 'info')
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return askForKey()
    throw error
  }
  document.body.dataset.writes = String(info.allowWrites)
  const mode = document.querySelector('#mode')
  mode.textContent = info.allowWrites ? 'writes allowed' : 'read-only'
  mode.dataset.mode = info.allowWrites ? 'writes' : 'read-only'
  const panes = document.querySelector('#panes')
  panes.dataset.count = String(info.engines.length)
  window.inspector = info.engines.map((engine) => new Pane(document, engine, info.allowWrites))
  document.body.dataset.ready = 'true'
}

function askForKey() {
  const form = document.querySelector('#login')
  form.hidden = false
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const out = form.querySelector('output')
    try {
      await signIn(new FormData(form).get('key'))
      form.hidden = true
      await boot()
    } catch (error) {
      out.textContent = error.message
    }
  })
}

boot().catch((error) => {
  document.querySelector('#fatal').textContent = `The inspector failed: ${error.message}`
})
