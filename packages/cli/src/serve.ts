import type { WebhookRunner } from '@pigeonhole/core'
import { serveRest, webhooks } from '@pigeonhole/transport-http'
import { exitCodes, UsageError } from './errors.js'
import type { Output } from './output.js'
import { untilStopped } from './signals.js'
import { openEngine, type StoreFlags } from './store.js'

export interface ServeFlags extends StoreFlags {
  port: string
  host: string
  /** Push every event to this URL (Standard Webhooks), signed with $PIGEONHOLE_WEBHOOK_SECRET. */
  webhook?: string
}

/** The variable that holds the webhook secret: a secret on the command line shows in `ps`. */
export const webhookSecretVariable = 'PIGEONHOLE_WEBHOOK_SECRET'

/**
 * Opens the engine and serves the REST API until SIGINT or SIGTERM, then closes the server
 * (open connections and SSE streams too) and the engine, and resolves with 0.
 */
export async function serveCommand(flags: ServeFlags, io: Output): Promise<number> {
  const port = Number(flags.port)
  if (!/^\d+$/.test(flags.port) || port > 65535) {
    throw new UsageError(`--port: expected a port number from 0 to 65535, got "${flags.port}"`)
  }
  const secret = process.env[webhookSecretVariable]
  if (flags.webhook !== undefined && !secret) {
    throw new UsageError(
      `--webhook: expected the signing secret in $${webhookSecretVariable} (whsec_..., see newWebhookSecret()), got none`,
    )
  }
  const { ph, describe } = await openEngine(flags, true)
  let server: Awaited<ReturnType<typeof serveRest>>
  let pushing: WebhookRunner | undefined
  try {
    server = await serveRest(ph, { port, host: flags.host })
    if (flags.webhook !== undefined) {
      pushing = await webhooks(ph, {
        endpoints: [{ id: 'cli', url: flags.webhook, secret: secret! }],
      })
    }
  } catch (error) {
    await ph.close()
    throw error
  }
  io.out(`Pigeonhole REST API on ${server.url} (${describe})`)
  io.out(`  OpenAPI document ${server.url}/openapi.json, route list ${server.url}/docs`)
  const keys = await ph.admin.apiKeys.list()
  if (!keys.some((k) => k.revokedAt === null)) {
    io.out('  no live API key yet: create one with `pigeonhole keys create --label <text>` and the')
    io.out('  same store option, then call with "Authorization: Bearer <key>"')
  }
  if (pushing) io.out(`  every event is pushed to ${flags.webhook} (Standard Webhooks)`)
  io.out('  Ctrl-C stops it')
  await untilStopped()
  io.err('stopping: closing the server and the engine')
  await server.close()
  await pushing?.stop()
  await ph.close()
  io.err('stopped')
  return exitCodes.ok
}
