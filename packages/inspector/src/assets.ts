import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The page's files, by name, with their types: nothing else under assets/ is served. */
const types: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'inspector.css': 'text/css; charset=utf-8',
  'inspector.js': 'text/javascript; charset=utf-8',
  'account-cards.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'pane.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'tail.js': 'text/javascript; charset=utf-8',
}

// assets/ sits beside src/ and dist/, so this holds from the sources and from the build.
const dir = new URL('../assets/', import.meta.url)
const cache = new Map<string, Promise<Buffer>>()

/** One asset as a response, or null when `name` is not one of them. */
export async function asset(name: string): Promise<Response | null> {
  const type = types[name]
  if (type === undefined) return null
  let body = cache.get(name)
  if (!body) {
    body = readFile(fileURLToPath(new URL(name, dir)))
    cache.set(name, body)
  }
  return new Response(new Uint8Array(await body), {
    headers: {
      'content-type': type,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    },
  })
}
