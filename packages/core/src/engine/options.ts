import { z } from 'zod'
import type { BlobStore } from '../files/types.js'
import type { RequestDecider, RequestItemProcessor } from '../requests/types.js'
import type { SendPolicy } from '../send/policy.js'
import type { Store } from '../store-port.js'
import type { Clock, IdGenerator, RemoteContentResolvers } from '../types.js'
import { addressPart, addressPattern } from '../validation/common.js'
import { functionOption, integerOption, withMethods } from '../validation/parse-options.js'

/**
 * `remoteContent.resolvers`: a function, or an object whose keys are sender addresses and whose
 * values are functions. A bad entry is named by its key.
 */
const remoteResolvers = z.custom<RemoteContentResolvers>().check((ctx) => {
  const value = ctx.value as unknown
  if (typeof value === 'function') return
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.issues.push({
      code: 'custom',
      message: '{ [sender]: resolver } or (sender) => resolver | undefined',
      input: value,
    })
    return
  }
  for (const [key, resolver] of Object.entries(value)) {
    if (!addressPattern.test(key)) {
      ctx.issues.push({
        code: 'custom',
        path: [key],
        message: 'a sender address like "alice" or "alice@peer" as the key',
        input: key,
      })
      return
    }
    if (typeof resolver !== 'function') {
      ctx.issues.push({
        code: 'custom',
        path: [key],
        message: 'a resolver: (request) => content or a promise of it',
        input: resolver,
      })
      return
    }
  }
})

/** The options of `openPigeonhole`: unknown keys are refused, naming the closest known one. */
export const pigeonholeOptions = z.strictObject({
  store: withMethods<Store>('a store such as sqliteStore({ path })', 'transaction', 'close'),
  clock: withMethods<Clock>('{ now(): number }', 'now').optional(),
  ids: withMethods<IdGenerator>('{ next(kind): string }', 'next').optional(),
  /** Folded to lower case, like every address part. */
  peerId: addressPart.optional(),
  limits: z
    .strictObject({
      maxContentBytes: integerOption(1).optional(),
      markChunkSize: integerOption(1).optional(),
    })
    .optional(),
  /** Host policy steps of the send pipeline, run in order after the built-in ones. */
  policies: z
    .array(
      z.custom<SendPolicy>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as SendPolicy).name === 'string' &&
          (v as SendPolicy).name.length > 0 &&
          typeof (v as SendPolicy).judge === 'function',
        { error: 'a policy { name: string, judge(batch, verdicts) }' },
      ),
    )
    .optional(),
  /** The Request protocol: host item kinds, decider rules, the expiry sweep. */
  requests: z
    .strictObject({
      processors: z
        .array(
          z.custom<RequestItemProcessor>(
            (v) =>
              typeof v === 'object' &&
              v !== null &&
              typeof (v as RequestItemProcessor).type === 'string' &&
              /^[A-Za-z][A-Za-z0-9]{0,99}RequestItem$/.test((v as RequestItemProcessor).type),
            { error: 'a processor { type: "<Name>RequestItem", validate?, canAccept?, accept? }' },
          ),
        )
        .optional(),
      deciders: z
        .array(
          z.custom<RequestDecider>(
            (v) =>
              typeof v === 'object' &&
              v !== null &&
              typeof (v as RequestDecider).name === 'string' &&
              typeof (v as RequestDecider).decide === 'function',
            { error: 'a decider { name: string, decide(request) }' },
          ),
        )
        .optional(),
      sweepIntervalMs: integerOption(0, 86_400_000).optional(),
    })
    .optional(),
  /** Remote content: the senders' resolvers and how long a read waits for one. */
  remoteContent: z
    .strictObject({
      resolvers: remoteResolvers.optional(),
      timeoutMs: integerOption(1, 600_000).optional(),
    })
    .optional(),
  /** Files: where chunks live, the master key, the size limit, the sweep. */
  files: z
    .strictObject({
      masterKey: z
        .custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 32, {
          error: '32 bytes (a Uint8Array)',
        })
        .optional(),
      blobStore: withMethods<BlobStore>(
        'a blob store such as fsBlobStore({ dir }): { put, get, delete }',
        'put',
        'get',
        'delete',
      ).optional(),
      maxFileSize: integerOption(0, Number.MAX_SAFE_INTEGER).optional(),
      sweepIntervalMs: integerOption(0, 86_400_000).optional(),
      chunkSize: integerOption(1, 16 * 1024 * 1024).optional(),
    })
    .optional(),
  /** Called when an `events$` subscriber throws (see the events section of the README). */
  onSubscriberError: functionOption<(error: unknown, event?: unknown) => void>().optional(),
})
