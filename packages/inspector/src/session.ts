import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

export const cookieName = 'pigeonhole_inspector'

/**
 * The key the caller gives: `Authorization: Bearer <key>` (scripts, tests), else the session
 * cookie the page got from `POST session`.
 */
export function callerKey(c: Context): string | undefined {
  const header = c.req.header('authorization')
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
  return bearer ?? getCookie(c, cookieName)
}

/**
 * The cookie holds the key for this page only: HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it), no expiry (gone when the browser closes), on the path the
 * inspector is mounted at.
 */
export function startSession(c: Context, key: string, path: string): void {
  setCookie(c, cookieName, key, { httpOnly: true, sameSite: 'Strict', path })
}

export function endSession(c: Context, path: string): void {
  deleteCookie(c, cookieName, { path })
}

/** Where the inspector is mounted: the path of `session` less that last part. */
export function mountPath(c: Context): string {
  const path = c.req.path
  return path.slice(0, path.lastIndexOf('/') + 1) || '/'
}
