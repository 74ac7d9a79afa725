import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type Delivery, openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type HttpTransport, httpTransport } from '@pigeonhole/transport-http'
import { type BenchCase, planFor } from '../lib/case.js'
import { measureAlternating } from '../lib/measure.js'

const content = (i: number) => ({ subject: 'Hi', text: `Message ${i} from alice to bob` })

/** The delivery the engine puts on the wire for message `i` (the same JSON shape and size). */
function delivery(i: number): Delivery {
  return {
    kind: 'message',
    id: `dlv_01JD${String(i).padStart(22, '0')}`,
    message: {
      id: `msg_01JD${String(i).padStart(22, '0')}`,
      from: 'alice@a',
      to: ['bob'],
      for: ['bob'],
      content: content(i),
      attachments: [],
      threadId: null,
      createdAt: 1_700_000_000_000 + i,
    },
  }
}

/** A minimal peer on node:http: reads the body, parses it, answers one ack per delivery. */
async function rawPeer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        deliveries: { id: string }[]
      }
      const answer = JSON.stringify({
        acks: body.deliveries.map((d) => ({ id: d.id, status: 'accepted' })),
      })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answer)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/peer/v1/deliveries`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** POSTs each body in turn and reads each answer (fetch, keep-alive, like the transport). */
async function postAll(url: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const answer = (await res.json()) as { acks: unknown[] }
    if (res.status !== 200 || !Array.isArray(answer.acks)) throw new Error('raw peer: bad answer')
  }
}

export const httpDeliveryCase: BenchCase = {
  name: 'http-delivery',
  summary:
    'messages per second between two engines over HTTP (SQLite files, sends from a until b stored them all), beside a raw node:http POST loop of the same bodies',
  async run(env) {
    const n = env.quick ? 50 : 1000
    const plan = planFor(
      env,
      { warmupOps: 1, samples: 2, opsPerSample: 1 },
      { warmupOps: 1, samples: 7, opsPerSample: 1 },
    )
    const urls: Record<string, string> = {}
    const secret = randomBytes(32).toString('base64url')
    const engines: { ph: Pigeonhole; transport: HttpTransport }[] = []
    for (const peer of ['a', 'b']) {
      const transport = httpTransport({
        peerId: peer,
        listen: { port: 0 },
        peers: (id) => urls[id],
        secret,
      })
      const ph = await openPigeonhole({
        store: sqliteStore({ path: join(env.dir, `http-${peer}.db`) }),
        transport,
      })
      urls[peer] = transport.url
      engines.push({ ph, transport })
    }
    const [a, b] = engines.map((e) => e.ph) as [Pigeonhole, Pigeonhole]
    await a.accounts.register({ address: 'alice' })
    await b.accounts.register({ address: 'bob' })
    let stored = 0
    let target = 0
    let reached: (() => void) | undefined
    const subscription = b.events$.subscribe((e) => {
      if (e.type === 'message.received' && e.owner === 'bob' && ++stored === target) reached?.()
    })
    let sent = 0
    /** n sends from alice@a to bob@b, one `send` each; done once b stored every one. */
    const engineOp = async () => {
      target = stored + n
      const all = new Promise<void>((resolve) => {
        reached = resolve
      })
      for (let i = 0; i < n; i++) {
        await a.messages.send({ from: 'alice', to: ['bob@b'], content: content(sent++) })
      }
      await all
    }
    const raw = await rawPeer()
    const one = Array.from({ length: n }, (_, i) =>
      JSON.stringify({ from: 'a', deliveries: [delivery(i)] }),
    )
    const batched: string[] = []
    for (let i = 0; i < n; i += 100) {
      const part = []
      for (let j = i; j < Math.min(n, i + 100); j++) part.push(delivery(j))
      batched.push(JSON.stringify({ from: 'a', deliveries: part }))
    }
    try {
      const [engine, perMessage, perBatch] = await measureAlternating(
        [engineOp, () => postAll(raw.url, one), () => postAll(raw.url, batched)],
        plan,
      )
      const total = (await b.boxes.counts('bob')).inbox?.total
      if (total !== sent) throw new Error(`http-delivery: b stored ${total} of ${sent}`)
      const perMsg = (s: typeof engine) => ({
        medianNs: s!.medianNs / n,
        opsPerSec: s!.opsPerSec * n,
        spread: s!.spread,
      })
      const e = perMsg(engine)
      env.log(
        `${n} messages per sample: engine ${e.opsPerSec.toFixed(0)} msg/s; raw POST per message ${perMsg(perMessage).opsPerSec.toFixed(0)}/s, raw POST of batches of 100 ${perMsg(perBatch).opsPerSec.toFixed(0)}/s`,
      )
      return [
        {
          case: 'http-delivery',
          measure: 'message a→b over HTTP vs raw POST per message',
          engine: e,
          reference: perMsg(perMessage),
        },
        {
          case: 'http-delivery',
          measure: 'message a→b over HTTP vs raw POST, 100 per body',
          engine: e,
          reference: perMsg(perBatch),
        },
      ]
    } finally {
      subscription.unsubscribe()
      await raw.close()
      await Promise.all([a.close(), b.close()])
    }
  },
}
