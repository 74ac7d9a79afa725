import { OpenAPIHono } from '@hono/zod-openapi'
import { expect, test } from 'vitest'
import { parseRetryAfter } from '../src/index.js'
import { resolveOptions } from '../src/options.js'
import { peerApp } from '../src/peer/endpoint.js'
import { ReplayGuard, signaturesEqual } from '../src/peer/signing.js'
import { secret } from './helpers/servers.js'

test('Retry-After: seconds, an HTTP date (from now), or nothing', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')
  expect(parseRetryAfter('2', now)).toBe(2000)
  expect(parseRetryAfter(' 0 ', now)).toBe(0)
  expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000)
  expect(parseRetryAfter('Mon, 31 Dec 2029 23:00:00 GMT', now)).toBe(0)
  expect(parseRetryAfter(null, now)).toBeUndefined()
  expect(parseRetryAfter('soon', now)).toBeUndefined()
  expect(parseRetryAfter('-1', now)).toBeUndefined()
  expect(parseRetryAfter('1.5', now)).toBeUndefined()
  expect(parseRetryAfter('2030-01-01', now)).toBeUndefined()
})

test('ReplayGuard: a signature is a replay until its timestamp leaves the window', () => {
  const guard = new ReplayGuard(1000, 10)
  expect(guard.admit('s1', 0, 0)).toEqual({ result: 'fresh' })
  expect(guard.admit('s1', 0, 999)).toEqual({ result: 'replayed' })
  expect(guard.admit('s2', 500, 999)).toEqual({ result: 'fresh' })
  // At 1000 s1's timestamp is out of the window: forgotten at the next sweep.
  expect(guard.admit('s3', 1000, 1000)).toEqual({ result: 'fresh' })
  expect(guard.size).toBe(2)
  expect(guard.admit('s1', 0, 1000)).toEqual({ result: 'fresh' })
})

test('ReplayGuard: bounded; full means retry after the next sweep', () => {
  const guard = new ReplayGuard(1000, 2)
  expect(guard.admit('a', 0, 0).result).toBe('fresh')
  expect(guard.admit('b', 0, 0).result).toBe('fresh')
  expect(guard.admit('c', 0, 10)).toEqual({ result: 'full', retryAfterMs: 990 })
  expect(guard.admit('a', 0, 10)).toEqual({ result: 'replayed' })
  expect(guard.size).toBe(2)
  expect(guard.admit('c', 1000, 1000)).toEqual({ result: 'fresh' })
  expect(guard.size).toBe(1)
})

test('signaturesEqual: equal, different, different lengths', () => {
  expect(signaturesEqual('v1=abc', 'v1=abc')).toBe(true)
  expect(signaturesEqual('v1=abd', 'v1=abc')).toBe(false)
  expect(signaturesEqual('v1=ab', 'v1=abc')).toBe(false)
})

test('the peer endpoint is in an OpenAPI document built from the same schemas', () => {
  const app = peerApp({
    options: resolveOptions({ peerId: 'b', listen: { port: 0 }, peers: {}, secret }),
    receiver: async () => [],
    replay: new ReplayGuard(1000, 10),
    stopping: () => false,
    track: (work) => work,
    signal: new AbortController().signal,
  })
  const doc = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Pigeonhole peer API', version: '1' },
  })
  const post = doc.paths?.['/peer/v1/deliveries']?.post
  expect(post).toBeDefined()
  expect(Object.keys(post?.responses ?? {}).sort()).toEqual([
    '200',
    '400',
    '401',
    '413',
    '500',
    '503',
  ])
  expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
    expect.arrayContaining(['DeliveriesRequest', 'DeliveriesResponse', 'Delivery', 'DeliveryAck']),
  )
  expect(app).toBeInstanceOf(OpenAPIHono)
})
