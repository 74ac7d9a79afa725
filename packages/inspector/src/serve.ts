import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { inspector } from './inspector.js'
import type { InspectorOptions } from './options.js'

export interface ServeInspectorOptions extends InspectorOptions {
  /** `0` binds a free port (see `url`). */
  port: number
  /** Default '127.0.0.1': the page shows everything, keep it off the network. */
  host?: string
}

export interface InspectorServer {
  /** `http://host:port/`, with the bound port. */
  readonly url: string
  readonly port: number
  /** Closes the server and its open connections (the live tails too). The engines stay open. */
  close(): Promise<void>
}

/** The inspector on its own Node HTTP server. */
export async function serveInspector(options: ServeInspectorOptions): Promise<InspectorServer> {
  const { port, host = '127.0.0.1', ...rest } = options
  const app = inspector(rest)
  const server = createAdaptorServer({ fetch: app.fetch })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
