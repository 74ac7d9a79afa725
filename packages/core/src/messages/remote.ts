import { z } from 'zod'
import { normalizeAddress } from '../engine/addresses.js'
import { PigeonholeError } from '../errors.js'
import type {
  Content,
  Message,
  RemoteContentResolver,
  RemoteContentResolvers,
  RemoteInfo,
  RemoteUnavailableCode,
} from '../types.js'
import { jsonObject, text } from '../validation/common.js'
import { describeIssue, describeValue } from '../validation/parse.js'

/** The content `@type` of a message whose content stays with its sender. */
export const remoteContentType = 'RemoteContent'

/** Default of `remoteContent.timeoutMs`. */
export const defaultRemoteTimeoutMs = 5000

/**
 * A `RemoteContent`: strict, so that nothing but the ref and the summary is ever stored (a
 * sender cannot leave the sensitive part in by mistake).
 */
export const remoteContentSchema = z.strictObject({
  '@type': z.literal(remoteContentType),
  ref: text(1, 2000),
  summary: z
    .strictObject({
      subject: text(1, 200).optional(),
      text: text(1, 2000).optional(),
    })
    .optional(),
})

/** The engine's remote content settings, as `openPigeonhole` resolved them. */
export class RemoteConfig {
  readonly timeoutMs: number
  readonly #lookup: (sender: string) => RemoteContentResolver | undefined

  constructor(
    resolvers: RemoteContentResolvers | undefined,
    timeoutMs: number | undefined,
    peerId: string,
  ) {
    this.timeoutMs = timeoutMs ?? defaultRemoteTimeoutMs
    if (typeof resolvers === 'function') {
      this.#lookup = resolvers
    } else {
      // Keys fold like every address: `Bob` and `bob@<peerId>` are the sender `bob`.
      const byAddress = new Map<string, RemoteContentResolver>()
      for (const [address, resolver] of Object.entries(resolvers ?? {})) {
        byAddress.set(normalizeAddress(address, peerId), resolver)
      }
      this.#lookup = (sender) => byAddress.get(sender)
    }
  }

  /** The sender's resolver; what a lookup function throws is the resolver failing. */
  resolverFor(sender: string): RemoteContentResolver | undefined {
    return this.#lookup(sender)
  }
}

/**
 * Refuses a malformed `RemoteContent` (or one with no sender to resolve it) before anything is
 * written, naming the field. Content of any other `@type` passes untouched.
 */
export function checkRemoteContent(content: Content, from: string | null, where: string): void {
  if (content['@type'] !== remoteContentType) return
  if (from === null) {
    throw new PigeonholeError(
      'invalid_input',
      `${where}: content: a RemoteContent needs a sender, whose resolver gives its content (not a system message or broadcast)`,
      { field: 'content', expected: 'a message with a sender', got: 'a system message' },
    )
  }
  const result = remoteContentSchema.safeParse(content, { reportInput: true })
  if (result.success) return
  const issue = result.error.issues[0]!
  const { field, expected, got, message } = describeIssue(
    { ...issue, path: ['content', ...issue.path] },
    { content },
  )
  throw new PigeonholeError('invalid_input', `${where}: ${message}`, { field, expected, got })
}

/** Whether `resolveRemote` may change `message`: else a read can skip it (and its promise). */
export function mayResolve(message: Message): boolean {
  return message.content['@type'] === remoteContentType && message.from !== null
}

/**
 * The message as `reader` sees it on a read that shows one message: a `RemoteContent` is
 * replaced by what the sender's resolver gives now (never stored, never cached). Whatever goes
 * wrong, the message comes back with its stored content and `remote.status: 'unavailable'`:
 * a resolver never fails the read.
 */
export async function resolveRemote(
  config: RemoteConfig,
  message: Message,
  reader: string,
  maxContentBytes: number,
): Promise<Message> {
  const content = message.content
  if (!mayResolve(message) || message.from === null) return message
  // Stored before this check existed, or otherwise not one: shown as it is.
  if (!remoteContentSchema.safeParse(content).success) return message
  const ref = content.ref as string
  const sender = message.from
  const unavailable = (code: RemoteUnavailableCode, text: string): Message => ({
    ...message,
    remote: { ref, status: 'unavailable', code, message: text },
  })
  let resolver: RemoteContentResolver | undefined
  try {
    resolver = config.resolverFor(sender)
  } catch (error) {
    return unavailable(
      'resolver_failed',
      `finding the resolver of "${sender}" failed: ${reason(error)}`,
    )
  }
  if (typeof resolver !== 'function') {
    return unavailable('no_resolver', `no remote content resolver for sender "${sender}"`)
  }
  const outcome = await callWithTimeout(
    resolver,
    { ref, messageId: message.id, sender, reader },
    config.timeoutMs,
  )
  if ('timedOut' in outcome) {
    return unavailable(
      'resolver_timeout',
      `the resolver of "${sender}" gave no answer within ${config.timeoutMs} ms`,
    )
  }
  if ('error' in outcome) {
    return unavailable(
      'resolver_failed',
      `the resolver of "${sender}" failed: ${reason(outcome.error)}`,
    )
  }
  const problem = contentProblem(outcome.value, maxContentBytes)
  if (problem) {
    return unavailable('invalid_content', `the resolver of "${sender}" answered ${problem}`)
  }
  const remote: RemoteInfo = { ref, status: 'resolved' }
  return { ...message, content: outcome.value as Content, remote }
}

type Outcome = { value: unknown } | { error: unknown } | { timedOut: true }

/**
 * Calls the resolver with a signal that aborts after `timeoutMs`, and stops waiting then. The
 * timer is cleared as soon as the resolver answers; what it throws (also synchronously, also
 * after the timeout) is caught.
 */
async function callWithTimeout(
  resolver: RemoteContentResolver,
  request: { ref: string; messageId: string; sender: string; reader: string },
  timeoutMs: number,
): Promise<Outcome> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(
        new DOMException(`remote content resolver timed out after ${timeoutMs} ms`, 'TimeoutError'),
      )
      resolve({ timedOut: true })
    }, timeoutMs)
  })
  try {
    const call = (async () => resolver({ ...request, signal: controller.signal }))().then(
      (value): Outcome => ({ value }),
      (error: unknown): Outcome => ({ error }),
    )
    return await Promise.race([call, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/** What makes `value` unfit to show as content, or undefined when it is fit. */
function contentProblem(value: unknown, maxContentBytes: number): string | undefined {
  const result = jsonObject.safeParse(value, { reportInput: true })
  if (!result.success) {
    return `what is not content: ${describeIssue(result.error.issues[0]!, value, 'content').message}`
  }
  if (result.data['@type'] === remoteContentType) return 'with another RemoteContent'
  let json: string
  try {
    json = JSON.stringify(result.data)
  } catch {
    return `content larger than ${maxContentBytes} bytes of JSON`
  }
  const bytes = Buffer.byteLength(json)
  if (bytes > maxContentBytes) {
    return `content of ${bytes} bytes of JSON (at most ${maxContentBytes}: limits.maxContentBytes)`
  }
  return undefined
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error)
}
