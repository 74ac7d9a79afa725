import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openPigeonhole, type Pigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type BenchCase, type BenchRow, planFor } from '../lib/case.js'
import { prepareFiles } from '../lib/files.js'
import { measureAlternating, type Stats } from '../lib/measure.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const bin = fileURLToPath(new URL('../../../packages/cli/bin/pigeonhole.js', import.meta.url))

const content = (i: number) => ({ subject: 'Hi', text: `Hello Bob #${i}` })

/** `pigeonhole serve` in a process of its own, on the sources like the bench itself. */
async function startServer(file: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', bin, 'serve', '--sqlite', file, '--port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8')
      const found = /REST API on (http:\/\/\S+)/.exec(out)?.[1]
      if (found) resolve(found)
    })
    void exited.then((code) => reject(new Error(`pigeonhole serve exited (${code}):\n${out}`)))
  })
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM')
      const code = await exited
      if (code !== 0) throw new Error(`pigeonhole serve ended with ${code}:\n${out}`)
    },
  }
}

/** Runs `count` calls of `one`, `clients` at a time (each client awaits its previous call). */
async function concurrently(
  clients: number,
  count: number,
  one: () => Promise<void>,
): Promise<void> {
  let left = count
  const client = async () => {
    while (left > 0) {
      left--
      await one()
    }
  }
  await Promise.all(Array.from({ length: clients }, client))
}

export const restSendCase: BenchCase = {
  name: 'rest-send',
  summary:
    'POST /messages over HTTP to `pigeonhole serve` (its own process) beside messages.send in process, 1 and N concurrent clients',
  async run(env) {
    const clientCounts = env.quick ? [1, 8] : [1, 8, 32]
    const perOp = env.quick ? 20 : 200 // requests (or sends) per measured operation
    const plan = planFor(
      env,
      { warmupOps: 1, samples: 2, opsPerSample: 1 },
      { warmupOps: 1, samples: 7, opsPerSample: 1 },
    )
    let key = ''
    const files = await prepareFiles(env.dir, 'rest-send', async (ph) => {
      await ph.accounts.register({ address: 'alice' })
      await ph.accounts.register({ address: 'bob' })
      key = (await ph.admin.apiKeys.create({ account: 'alice', label: 'bench' })).key
    })
    // The same store settings on both sides: sqliteStore's defaults, a file each.
    const inProcess: Pigeonhole = await openPigeonhole({
      store: sqliteStore({ path: files.reference }),
    })
    const server = await startServer(files.engine)
    let posted = 0
    let sent = 0
    const post = async () => {
      const res = await fetch(`${server.url}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'alice', to: ['bob'], content: content(posted++) }),
      })
      await res.arrayBuffer()
      if (res.status !== 201) throw new Error(`rest-send: POST /messages answered ${res.status}`)
    }
    const send = async () => {
      await inProcess.messages.send({ from: 'alice', to: ['bob'], content: content(sent++) })
    }
    const perRequest = (s: Stats): Stats => ({
      medianNs: s.medianNs / perOp,
      opsPerSec: s.opsPerSec * perOp,
      spread: s.spread,
    })
    const rows: BenchRow[] = []
    try {
      for (const clients of clientCounts) {
        const [http, local] = await measureAlternating(
          [() => concurrently(clients, perOp, post), () => concurrently(clients, perOp, send)],
          plan,
        )
        const engine = perRequest(http!)
        const reference = perRequest(local!)
        env.log(
          `${clients} client${clients === 1 ? '' : 's'}: ${engine.opsPerSec.toFixed(0)} requests/s over HTTP, ${reference.opsPerSec.toFixed(0)} sends/s in process`,
        )
        rows.push({
          case: 'rest-send',
          measure: `POST /messages vs send in process, ${clients} client${clients === 1 ? '' : 's'}`,
          engine,
          reference,
        })
      }
    } finally {
      await server.stop()
      await inProcess.close()
    }
    // Every request stored its message once: bob's inbox on the server's file holds them all.
    const check = await openPigeonhole({ store: sqliteStore({ path: files.engine }) })
    try {
      const total = (await check.boxes.counts('bob')).inbox?.total
      if (total !== posted) throw new Error(`rest-send: the server stored ${total} of ${posted}`)
      const differences = await check.verify()
      if (differences.length > 0) throw new Error(`rest-send: verify found ${differences.length}`)
    } finally {
      await check.close()
    }
    return rows
  },
}
