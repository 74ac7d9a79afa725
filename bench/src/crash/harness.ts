import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SendInput } from '@pigeonhole/core'
import { type Acknowledged, checkStore, type StoreFindings } from './checks.js'
import { type ChildLine, type CrashMode, parseLine, seededRandom } from './protocol.js'

export interface CrashOptions {
  /** How many times the child is killed with SIGKILL. */
  kills: number
  /** Seed of the kill timings and of each child's choices. Default: from the clock. */
  seed?: number
  /** A kill lands this long after the child is ready, uniformly. Default: 30 to 500 ms. */
  minDelayMs?: number
  maxDelayMs?: number
  /**
   * Share of kills that land while the child opens the engine, migrates, registers and
   * retries: 0 to `earlyWindowMs` after it starts opening. The first kill always does, as the
   * first open of a new file is the only time the migrations run. Default: 0.1 and 25 ms.
   */
  earlyKills?: number
  earlyWindowMs?: number
  /** The store's durability in the children. Default: 'normal'. */
  mode?: CrashMode
  /** Progress, one line now and then. */
  log?: (line: string) => void
}

export interface CrashReport extends StoreFindings {
  seed: number
  kills: number
  /** Acknowledged message ids (sends and sendMany items). */
  acknowledged: number
  acknowledgedReads: number
  /** Keyed sends a child started, was killed during, and the next child retried. */
  retriedAfterKill: number
  /** Of those, how many the kill had already committed: the retry returned the stored one. */
  retriedFoundStored: number
  /** Children that ended other than by our SIGKILL, or printed a failure. */
  failures: string[]
  elapsedMs: number
}

const here = dirname(fileURLToPath(import.meta.url))
const childFile = join(here, 'child.ts')
// `--import tsx` resolves from the working directory: run children from the repository root.
const repoRoot = resolve(here, '../../..')

/** Kills a writing child `kills` times on one SQLite file, then checks what it acknowledged. */
export async function runCrashTrial(options: CrashOptions): Promise<CrashReport> {
  const started = process.hrtime.bigint()
  const seed = options.seed ?? Date.now() % 2 ** 31
  const random = seededRandom(seed)
  const minDelay = options.minDelayMs ?? 30
  const maxDelay = options.maxDelayMs ?? 500
  const early = options.earlyKills ?? 0.1
  const earlyWindow = options.earlyWindowMs ?? 25
  const dir = await mkdtemp(join(tmpdir(), 'pigeonhole-crash-'))
  const path = join(dir, 'crash.db')
  const acked: Acknowledged = { sends: new Map(), keys: new Map(), reads: new Set() }
  const pending = new Map<string, SendInput>()
  const failures: string[] = []
  let retried = 0
  let foundStored = 0
  try {
    for (let run = 0; run < options.kills; run++) {
      const childSeed = Math.floor(random() * 2 ** 31)
      const retry = [...pending.values()]
      retried += retry.length
      const onLine = (line: ChildLine) => {
        switch (line.t) {
          case 'try':
            pending.set(line.key, line.send)
            break
          case 'ack': {
            if (line.retried === 'duplicate') foundStored += 1
            acked.sends.set(line.id, { from: line.from, to: line.to, key: line.key })
            if (line.key !== undefined) {
              pending.delete(line.key)
              const ids = acked.keys.get(line.key) ?? new Set()
              acked.keys.set(line.key, ids.add(line.id))
            }
            break
          }
          case 'read':
            acked.reads.add(`${line.owner}\u0000${line.id}`)
            break
          case 'fail':
            failures.push(`run ${run} (child seed ${childSeed}): ${line.error}`)
            break
        }
      }
      const killEarly = run === 0 || random() < early
      const delay = killEarly ? random() * earlyWindow : minDelay + random() * (maxDelay - minDelay)
      const outcome = await runChild(
        path,
        { seed: childSeed, mode: options.mode ?? 'normal' },
        retry,
        onLine,
        killEarly,
        delay,
      )
      if (outcome.signal !== 'SIGKILL') {
        failures.push(
          `run ${run} (child seed ${childSeed}) ended by ${outcome.signal ?? `exit ${outcome.code}`}: ${outcome.stderr.slice(-2000)}`,
        )
      }
      if (failures.length > 0) break
      if ((run + 1) % 50 === 0) {
        options.log?.(`${run + 1} kills, ${acked.sends.size} acknowledged sends`)
      }
    }
    const findings = await checkStore(path, acked).catch((error: unknown) => {
      failures.push(`reopening the file after the last kill: ${String(error)}`)
      return noFindings
    })
    return {
      ...findings,
      seed,
      kills: options.kills,
      acknowledged: acked.sends.size,
      acknowledgedReads: acked.reads.size,
      retriedAfterKill: retried,
      retriedFoundStored: foundStored,
      failures,
      elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const noFindings: StoreFindings = {
  lost: [],
  duplicates: [],
  unread: [],
  integrity: [],
  differences: [],
  stored: 0,
}

interface ChildOutcome {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/** A child that never gets ready in this long is stuck: killed, and reported as a failure. */
const stuckMs = 30_000

/**
 * Starts one child and kills it `delayMs` after it is ready, or (killEarly) after it starts
 * opening the engine. Resolves once its output is fully read, so no line printed before the
 * kill is missed.
 */
function runChild(
  path: string,
  { seed, mode }: { seed: number; mode: CrashMode },
  retry: SendInput[],
  onLine: (line: ChildLine) => void,
  killEarly: boolean,
  delayMs: number,
): Promise<ChildOutcome> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      childFile,
      path,
      String(seed),
      mode,
      JSON.stringify(retry),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let timer: NodeJS.Timeout | undefined
  const kill = () => child.kill('SIGKILL')
  let stuck = false
  const guard = setTimeout(() => {
    stuck = true
    kill()
  }, stuckMs)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk
    let end = stdout.indexOf('\n')
    while (end >= 0) {
      const line = parseLine(stdout.slice(0, end))
      stdout = stdout.slice(end + 1)
      end = stdout.indexOf('\n')
      if (line.t === (killEarly ? 'opening' : 'ready')) timer = setTimeout(kill, delayMs)
      onLine(line)
    }
  })
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(guard)
      resolve({ code, signal: stuck ? null : signal, stderr: stuck ? `stuck: ${stderr}` : stderr })
    })
  })
}
