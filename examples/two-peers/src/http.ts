// Two processes over HTTP: this parent forks one child per peer (peer.ts), each an engine on a
// SQLite file in a temporary directory with its own httpTransport on 127.0.0.1 (a free port).
// The parent only passes the URLs around and relays what the children say; the request and
// its Response travel between the children over signed HTTP.
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BobOutcome, Log, ShopOutcome } from './roles.js'

/** What the parent says to a peer. */
export type FromParent =
  | { type: 'peers'; urls: Record<string, string> }
  | { type: 'ask' }
  | { type: 'stop' }

/** What a peer says to the parent. */
export type ToParent =
  | { type: 'ready'; url: string }
  | { type: 'listening' }
  | { type: 'log'; line: string }
  | { type: 'shop'; outcome: ShopOutcome }
  | { type: 'bob'; outcome: BobOutcome }

export async function runOverHttp(
  log: Log,
  timeoutMs = 30_000,
): Promise<{ shop: ShopOutcome; bob: BobOutcome }> {
  const dir = mkdtempSync(join(tmpdir(), 'pigeonhole-two-peers-'))
  const secret = randomBytes(32).toString('base64url')
  const children: ChildProcess[] = []
  const notes = new Map<string, ToParent[]>()
  const waiters: (() => void)[] = []
  const start = (peer: 'a' | 'b') => {
    const child = fork(fileURLToPath(new URL('./peer.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--conditions=source'],
      env: { ...process.env, PEER: peer, PEER_SECRET: secret, DATA_DIR: dir },
    })
    children.push(child)
    notes.set(peer, [])
    child.on('message', (note: ToParent) => {
      if (note.type === 'log') log(`[${peer}] ${note.line}`)
      else notes.get(peer)!.push(note)
      for (const wake of waiters.splice(0)) wake()
    })
    child.on('exit', (code) => {
      exits.set(peer, code)
      for (const wake of waiters.splice(0)) wake()
    })
    return child
  }
  const exits = new Map<string, number | null>()
  const deadline = Date.now() + timeoutMs
  /** The first note of `type` from `peer`, waiting for it (fails if the peer exits first). */
  const note = async <T extends ToParent['type']>(peer: string, type: T) => {
    for (;;) {
      const found = notes.get(peer)!.find((n) => n.type === type)
      if (found) return found as Extract<ToParent, { type: T }>
      if (exits.has(peer))
        throw new Error(`peer ${peer} exited (${exits.get(peer)}) before "${type}"`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for "${type}" from peer ${peer}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  try {
    const a = start('a')
    const b = start('b')
    const urls = { a: (await note('a', 'ready')).url, b: (await note('b', 'ready')).url }
    log(`http: peer a (shop) at ${urls.a}, peer b (bob) at ${urls.b}, SQLite files in ${dir}`)
    a.send({ type: 'peers', urls } satisfies FromParent)
    b.send({ type: 'peers', urls } satisfies FromParent)
    await note('a', 'listening')
    await note('b', 'listening')
    a.send({ type: 'ask' } satisfies FromParent)
    const shop = (await note('a', 'shop')).outcome
    const bob = (await note('b', 'bob')).outcome
    for (const child of [a, b]) child.send({ type: 'stop' } satisfies FromParent)
    for (const peer of ['a', 'b']) {
      while (!exits.has(peer)) {
        if (Date.now() > deadline) throw new Error(`peer ${peer} did not stop`)
        await new Promise((r) => setTimeout(r, 10))
      }
      if (exits.get(peer) !== 0) throw new Error(`peer ${peer} exited with ${exits.get(peer)}`)
    }
    return { shop, bob }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}
