// The engines' REST API, through the inspector (the session cookie carries the key).

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`)
    this.status = status
    this.problem = problem
  }
}

/** A JSON call; a problem answer becomes an ApiError with its detail. */
export async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  const data = text ? JSON.parse(text) : null
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

/** One engine's REST API: `engine.get('/accounts', { prefix })`. */
export class Engine {
  constructor(name) {
    this.name = name
    this.base = `engines/${encodeURIComponent(name)}`
  }

  url(path, query = {}) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, v)
    const qs = q.toString()
    return `${this.base}${path}${qs ? `?${qs}` : ''}`
  }

  get(path, query) {
    return call('GET', this.url(path, query))
  }

  post(path, body) {
    return call('POST', this.url(path), body ?? {})
  }
}

export const enc = encodeURIComponent
