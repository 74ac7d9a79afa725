import { z } from 'zod'
import type { BlobStore } from '../files/types.js'
import type { RequestDecider, RequestItemProcessor } from '../requests/types.js'
import type { SendPolicy } from '../send/policy.js'
import type { Store } from '../store-port.js'
import type { Transport } from '../transport/port.js'
import type { Clock, IdGenerator, RemoteContentResolvers } from '../types.js'
import { addressPart, addressPattern } from '../validation/common.js'
import {
  functionOption,
  integerOption,
  numberOption,
  withMethods,
} from '../validation/parse-options.js'

/** Sends per second of a rate limit: fractions allowed (0.5: one every 2 s). */
const sendsPerSecond = numberOption(0.001, 1_000_000)
const burst = integerOption(1)

/** A sender kind of `limits.kinds`: `system`, or a name the host's `kindOf` answers. */
const kindName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Rates by sender kind; a kind's name is checked here, so the error names it as a field. */
const kinds = z
  .record(z.string(), z.strictObject({ sendsPerSecond, burst: burst.optional() }).nullable())
  .check((ctx) => {
    for (const key of Object.keys(ctx.value)) {
      if (kindName.test(key)) continue
      ctx.issues.push({
        code: 'custom',
        path: [key],
        message:
          'a kind name: 1-64 letters, digits, ".", "_", "-", starting with a letter or digit',
        input: key,
      })
    }
  })

const limits = z
  .strictObject({
    maxContentBytes: integerOption(1).optional(),
    markChunkSize: integerOption(1).optional(),
    /** The default send rate of every sender (see `RateLimitOptions`). */
    sendsPerSecond: sendsPerSecond.optional(),
    burst: burst.optional(),
    kinds: kinds.optional(),
    kindOf: functionOption<(from: string) => string | null | undefined>().optional(),
  })
  .check((ctx) => {
    const v = ctx.value
    const needs = (key: 'burst' | 'kindOf', other: 'sendsPerSecond' | 'kinds', what: string) => {
      if (v[key] !== undefined && v[other] === undefined) {
        ctx.issues.push({
          code: 'custom',
          path: [key],
          message: `limits.${other} with it (${what})`,
          input: v[key],
        })
      }
    }
    needs('burst', 'sendsPerSecond', "burst is the default rate's")
    needs('kindOf', 'kinds', 'the kinds it may answer')
  })

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
  limits: limits.optional(),
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
  /** Delivery to other engines (see the transports section of the README). */
  transport: withMethods<Transport>(
    'a transport such as memoryNetwork().transport(peerId)',
    'start',
    'deliver',
    'stop',
  ).optional(),
  delivery: z
    .strictObject({
      baseDelayMs: integerOption(0, 86_400_000).optional(),
      maxDelayMs: integerOption(0, 86_400_000).optional(),
      batchSize: integerOption(1, 10_000).optional(),
      maxBatchBytes: integerOption(1024).optional(),
      maxPendingPerRecipient: integerOption(1).optional(),
      leaseMs: integerOption(1, 86_400_000).optional(),
      pollIntervalMs: integerOption(1, 86_400_000).optional(),
      random: functionOption<() => number>().optional(),
      onError: functionOption<(error: unknown) => void>().optional(),
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
