import type { FileDownload } from '@pigeonhole/core'
import type { Context } from 'hono'
import { fail } from './problems.js'
import type { Env } from './routing.js'

/** A path parameter (decoded by Hono). */
export const param = (c: Context<Env>, name: string): string => c.req.param(name) ?? ''

/** The value, or a 404 problem naming `what` when the engine found nothing. */
export const found = <T>(value: T | null, what: string): T => {
  if (value === null) fail('not_found', `${what} not found`)
  return value as T
}

/** The file as a streamed answer; a stream error (integrity) cuts the body. */
export function fileResponse(download: FileDownload): Response {
  const { file, stream } = download
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': file.mimeType,
      'content-length': String(file.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'x-content-sha256': file.sha256,
    },
  })
}
