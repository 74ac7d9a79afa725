// The process the crash harness kills: opens the engine on a file and writes until SIGKILL.
// Usage: node --import tsx --conditions=source child.ts <path> <seed> <normal|full> [<pending sends as JSON>]
import { openPigeonhole, type SendInput, type SendManyItem } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'
import { type ChildLine, crashAccounts, crashModes, formatLine, seededRandom } from './protocol.js'

const [path, seedText, mode, pendingText] = process.argv.slice(2)
if (!path || !seedText || !crashModes.includes(mode as never)) {
  throw new Error('usage: child.ts <path> <seed> <normal|full> [<pending JSON>]')
}
const durability = mode as (typeof crashModes)[number]
const seed = Number(seedText)
const random = seededRandom(seed)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!

// Pipes are written synchronously on Linux: a printed line survives the kill that follows.
const print = (line: ChildLine) => process.stdout.write(formatLine(line))

function die(error: unknown): never {
  print({
    t: 'fail',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  })
  process.exit(1)
}

print({ t: 'opening' })
const ph = await openPigeonhole({ store: sqliteStore({ path, durability }) }).catch(die)

let counter = 0
/** Messages acknowledged in this run: markRead and keyed retries pick from them. */
const acked: { id: string; to: string; key?: string; send: SendInput }[] = []

function newSend(keyed: boolean): SendInput {
  const from = pick(crashAccounts)
  // Mostly to someone else; now and then to oneself (one inbox and one sent entry).
  const to = random() < 0.1 ? from : pick(crashAccounts.filter((a) => a !== from))
  counter += 1
  const send: SendInput = {
    from,
    to: [to],
    content: { subject: 'crash', text: `${seed}/${counter}` },
  }
  if (keyed) send.idempotencyKey = `k-${seed}-${counter}`
  return send
}

async function sendOne(send: SendInput): Promise<void> {
  const key = send.idempotencyKey
  if (key !== undefined) print({ t: 'try', key, send })
  const message = await ph.messages.send(send)
  const from = send.from!
  const to = send.to![0]!
  print({ t: 'ack', id: message.id, from, to, ...(key === undefined ? {} : { key }) })
  acked.push({ id: message.id, to, send, ...(key === undefined ? {} : { key }) })
}

/**
 * A keyed send the previous child started and never acknowledged. Through sendMany, whose
 * result says whether it was stored now or had been stored before the kill.
 */
async function retryPending(send: SendInput): Promise<void> {
  const key = send.idempotencyKey!
  print({ t: 'try', key, send })
  const [item] = (await ph.messages.sendMany([{ ...send, identifier: 'retry' }])).items
  if (!item?.message || item.status === 'failed') die(`retry of ${key}: ${item?.error?.message}`)
  const to = send.to![0]!
  print({ t: 'ack', id: item.message.id, from: send.from!, to, key, retried: item.status })
  acked.push({ id: item.message.id, to, send, key })
}

/** The same keyed send again must return the same message. */
async function retryKeyed(): Promise<void> {
  const earlier = acked.filter((a) => a.key !== undefined)
  if (earlier.length === 0) return sendOne(newSend(true))
  const { id, send } = pick(earlier)
  const again = await ph.messages.send(send)
  if (again.id !== id) die(`retry of ${send.idempotencyKey} returned ${again.id}, not ${id}`)
}

async function sendBatch(): Promise<void> {
  const sends = Array.from({ length: 2 + Math.floor(random() * 9) }, () => newSend(random() < 0.3))
  for (const send of sends) {
    if (send.idempotencyKey !== undefined) print({ t: 'try', key: send.idempotencyKey, send })
  }
  const items: SendManyItem[] = sends.map((s, i) => ({ ...s, identifier: `i${i}` }))
  const result = await ph.messages.sendMany(items)
  result.items.forEach((item, i) => {
    const send = sends[i]!
    if (item.status === 'failed' || !item.message) die(`sendMany item ${i}: ${item.error?.message}`)
    const key = send.idempotencyKey
    const ack = { id: item.message.id, from: send.from!, to: send.to![0]! }
    print({ t: 'ack', ...ack, ...(key === undefined ? {} : { key }) })
    acked.push({ id: ack.id, to: ack.to, send, ...(key === undefined ? {} : { key }) })
  })
}

async function markOne(): Promise<void> {
  if (acked.length === 0) return
  const { id, to } = pick(acked.slice(-50))
  await ph.messages.markRead({ owner: to, ids: [id] })
  print({ t: 'read', owner: to, id })
}

async function worker(): Promise<void> {
  for (;;) {
    const r = random()
    if (r < 0.45) await sendOne(newSend(false))
    else if (r < 0.65) await sendOne(newSend(true))
    else if (r < 0.7) await retryKeyed()
    else if (r < 0.85) await sendBatch()
    else await markOne()
  }
}

try {
  for (const address of crashAccounts) {
    if (!(await ph.accounts.get(address))) await ph.accounts.register({ address })
  }
  // Keyed sends the previous child started but never acknowledged: committed or not, the
  // retry must end with exactly one message.
  const pending = JSON.parse(pendingText ?? '[]') as SendInput[]
  for (const send of pending) await retryPending(send)
  print({ t: 'ready' })
  // A few writers at once, so kills land between queued changes too; with 'full', more, so
  // that group commit runs several of them in one transaction.
  const writers = durability === 'full' ? 8 : 3
  await Promise.all(Array.from({ length: writers }, () => worker()))
} catch (error) {
  die(error)
}
