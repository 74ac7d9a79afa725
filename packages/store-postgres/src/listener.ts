import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel'
import pg from 'pg'
import { toStoreError } from './store-error.js'

export interface ListenerOptions {
  clientConfig: pg.ClientConfig
  channel: string
  /** A NOTIFY arrived with this cursor. */
  onNotify: (cursor: number | undefined) => void
  /** (Re)connected and listening: whatever came meanwhile must be caught up. */
  onListening: () => void
  onError: (error: ReturnType<typeof toStoreError>) => void
  reconnectMinMs: number
  reconnectMaxMs: number
}

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to others). When that
 * connection drops, it reconnects with a growing, jittered delay; once listening again it
 * calls `onListening`, so the caller catches up from its last cursor and nothing is missed.
 */
export class Listener {
  readonly #options: ListenerOptions
  /** Delays from `reconnectMinMs`, doubling up to `reconnectMaxMs`, each between half and all. */
  readonly #backoff: ExponentialBackoff<number>
  /** The last delay of the current run of failures; none while listening. */
  #delay: IBackoff<unknown> | undefined
  #client: pg.Client | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(options: ListenerOptions) {
    this.#options = options
    this.#backoff = new ExponentialBackoff({
      initialDelay: options.reconnectMinMs,
      maxDelay: options.reconnectMaxMs,
      generator: halfJitterGenerator,
    })
  }

  /** The server process id of the listening connection, while there is one. */
  get processId(): number | undefined {
    return (this.#client as unknown as { processID?: number } | undefined)?.processID
  }

  /** Connects once; if that fails, keeps trying in the background. */
  async start(): Promise<void> {
    await this.#connect()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return
    const { clientConfig, channel } = this.#options
    const client = new pg.Client({
      ...clientConfig,
      application_name: 'pigeonhole-listener',
      keepAlive: true,
    })
    let lost = false
    const onLost = (error?: Error) => {
      if (lost) return
      lost = true
      if (this.#client === client) this.#client = undefined
      client.end().catch(() => {})
      if (this.#stopped) return
      if (error) this.#options.onError(toStoreError(error))
      this.#schedule()
    }
    client.on('error', onLost)
    client.on('end', () => onLost())
    client.on('notification', (message) => {
      if (message.channel !== channel) return
      const cursor = Number(message.payload)
      this.#options.onNotify(Number.isSafeInteger(cursor) ? cursor : undefined)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    } catch (error) {
      onLost(error as Error)
      return
    }
    if (this.#stopped) {
      await client.end().catch(() => {})
      return
    }
    this.#client = client
    this.#delay = undefined
    this.#options.onListening()
  }

  #schedule(): void {
    this.#delay = this.#delay ? this.#delay.next(undefined) : this.#backoff.next()
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#connect(), this.#delay.duration)
    this.#timer.unref()
  }
}
