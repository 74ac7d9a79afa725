import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root: the child runs there, so `--import tsx` resolves. */
export const root = fileURLToPath(new URL('../../..', import.meta.url))
/** The `bin` of the package, as `npm install` links it. */
export const bin = fileURLToPath(new URL('../bin/pigeonhole.js', import.meta.url))

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment of this process without vitest's own settings (and `unset`). */
export function childEnv(extra: Record<string, string> = {}, unset: string[] = []) {
  const env: Record<string, string | undefined> = { ...process.env, ...extra }
  delete env.NODE_OPTIONS
  for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name]
  for (const name of unset) delete env[name]
  return env
}

function start(args: string[], env: Record<string, string | undefined>): ChildProcess {
  // The bin itself, on the TypeScript sources (the `source` condition, through tsx), as the
  // rest of the tests run: no build needed. test/install checks the built bin through npx.
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs `pigeonhole ...args` to its end. */
export function pigeonhole(
  args: string[],
  options: { env?: Record<string, string>; unset?: string[] } = {},
): Promise<Run> {
  const child = start(args, childEnv(options.env, options.unset))
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8')
  })
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8')
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface Serving {
  url: string
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<Run>
}

/** Starts `pigeonhole serve ...args` and waits for the URL it prints. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Serving> {
  return startServing(['serve', '--port', '0', ...args], env, /REST API on (http:\/\/\S+)/)
}

/** Starts a command that serves and waits for the URL its banner gives (`pattern`'s group). */
export function startServing(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
): Promise<Serving> {
  const child = start(args, childEnv(env))
  let stdout = ''
  let stderr = ''
  const exited = new Promise<Run>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8')
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args[0]} printed no URL in 30 s:\n${stdout}\n${stderr}`))
    }, 30_000)
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
      const url = pattern.exec(stdout)?.[1]
      if (url) {
        clearTimeout(timer)
        resolve({
          url,
          stop: () => {
            child.kill('SIGTERM')
            return exited
          },
        })
      }
    })
    void exited.then((run) => {
      clearTimeout(timer)
      reject(new Error(`${args[0]} exited (${run.code}) before printing its URL:\n${run.stderr}`))
    })
  })
}

/** POSTs JSON with a key; answers the status and the parsed body. */
export async function call(
  url: string,
  key: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}
