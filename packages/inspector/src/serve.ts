import { serveFetch } from '@pigeonhole/transport-http'
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
  const server = await serveFetch(inspector(rest).fetch, port, host)
  // The page's URLs are relative to its directory: the URL ends with a slash.
  return { url: `${server.url}/`, port: server.port, close: () => server.close() }
}
