import type { Pigeonhole } from '@pigeonhole/core'
import { ownerParam as own } from './auth.js'
import { fail } from './problems.js'
import { fileResponse, found, param } from './route-helpers.js'
import { querySchema, type Router, readQuery } from './routing.js'

/** Files: upload (streamed body), metadata, download (streamed), delete. */
export function fileRoutes(r: Router, ph: Pigeonhole): void {
  r.add(
    {
      method: 'post',
      path: '/accounts/{owner}/files',
      summary: 'Upload a file (the body, streamed)',
      description:
        'The body is the file. `name` in the query or an `X-File-Name` header (percent-encoded), the MIME type in `mimeType` or `Content-Type`, optional `expiresAt` (ms since the epoch).',
      tag: 'files',
      rawBody: 'application/octet-stream',
      query: querySchema({ name: 'string', mimeType: 'string', expiresAt: 'number' }),
      status: 201,
      errors: [404, 413],
    },
    async (c, p) => {
      const o = own(c, p)
      const q = readQuery(c, { expiresAt: 'number' })
      const header = c.req.header('x-file-name')
      let name = q.name
      if (name === undefined && header !== undefined) {
        try {
          name = decodeURIComponent(header)
        } catch {
          fail('invalid_input', 'name: X-File-Name is not percent-encoded UTF-8', { field: 'name' })
        }
      }
      const mimeType = q.mimeType ?? c.req.header('content-type') ?? 'application/octet-stream'
      const { name: _n, mimeType: _m, ...rest } = q
      return ph.files.upload({
        ...rest,
        owner: o,
        name: name as string,
        mimeType: mimeType as string,
        data: c.req.raw.body ?? new Uint8Array(0),
      })
    },
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/files/{id}',
      summary: "A file's metadata",
      tag: 'files',
      errors: [404],
    },
    async (c, p) => found(await ph.files.get({ owner: own(c, p), id: param(c, 'id') }), 'file'),
  )
  r.add(
    {
      method: 'get',
      path: '/accounts/{owner}/files/{id}/content',
      summary: 'Download a file (streamed)',
      tag: 'files',
      binary: true,
      errors: [404],
    },
    async (c, p) => fileResponse(await ph.files.download({ owner: own(c, p), id: param(c, 'id') })),
  )
  r.add(
    {
      method: 'delete',
      path: '/accounts/{owner}/files/{id}',
      summary: 'The owner lets go of a file',
      tag: 'files',
      status: 204,
      errors: [404],
    },
    async (c, p) => {
      await ph.files.delete({ owner: own(c, p), id: param(c, 'id') })
    },
  )
}
