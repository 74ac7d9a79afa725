import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Pigeonhole } from '@pigeonhole/core'
import { type RestApiOptions, restApi } from './app.js'

export interface ServeRestOptions extends RestApiOptions {
  /** `0` binds a free port (see `url`). */
  port: number
  /** Default '127.0.0.1'. */
  host?: string
}

export interface RestServer {
  /** `http://host:port`, with the bound port. */
  readonly url: string
  readonly port: number
  /** Stops taking connections and closes the open ones (SSE streams too). The engine stays open. */
  close(): Promise<void>
}

/** The REST API on its own Node HTTP server (@hono/node-server). */
export async function serveRest(ph: Pigeonhole, options: ServeRestOptions): Promise<RestServer> {
  const { port, host = '127.0.0.1', ...rest } = options
  return serveFetch(restApi(ph, rest).fetch, port, host)
}

/**
 * A fetch handler (a Hono app's `fetch`) on its own Node HTTP server, bound to `host` and
 * `port` (0: a free one). `close()` also closes the open connections (SSE streams too).
 */
export async function serveFetch(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  host: string,
): Promise<RestServer> {
  const server = createAdaptorServer({ fetch })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
