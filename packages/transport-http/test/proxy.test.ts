import { TransportError } from '@pigeonhole/core'
import { afterEach, expect, test } from 'vitest'
import { type TestProxy, testProxy } from './helpers/proxy.js'
import { message, recordingReceiver, stopAll, transport } from './helpers/servers.js'

const proxies: TestProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
  await stopAll()
})

/** b behind a proxy; a sends to b through it. */
async function behindProxy(options: Omit<Parameters<typeof testProxy>[0], 'target'> = {}) {
  const b = transport('b')
  const atB = recordingReceiver()
  await b.start(atB)
  const proxy = await testProxy({ target: b.url, ...options })
  proxies.push(proxy)
  const a = transport('a', { b: proxy.url })
  return { a, b, atB, proxy }
}

async function outcome(work: Promise<unknown>): Promise<'ok' | 'retryable' | 'other'> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return error instanceof TransportError && error.retryable ? 'retryable' : 'other'
  }
}

test('the proxy relays requests and answers unchanged (signatures hold both ways)', async () => {
  const { a, atB, proxy } = await behindProxy()
  expect(await a.deliver('b', [message('d1')])).toEqual([{ id: 'd1', status: 'accepted' }])
  expect(await a.deliver('b', [message('d2')])).toEqual([{ id: 'd2', status: 'accepted' }])
  expect(atB.calls.map((c) => c.batch[0]!.id)).toEqual(['d1', 'd2'])
  expect(proxy.stats).toEqual({ requests: 2, relayed: 2, dropped: 0, failed: 0 })
})

test('a dropped answer: the peer committed, the sender gets a retryable error', async () => {
  const { a, atB, proxy } = await behindProxy({ dropResponses: (n) => n === 0 })
  expect(await outcome(a.deliver('b', [message('d1')]))).toBe('retryable')
  // The receiver was called: the batch was committed before the answer was lost.
  expect(atB.calls).toHaveLength(1)
  // The retry (signed anew, so not a replay) goes through.
  expect(await a.deliver('b', [message('d1')])).toEqual([{ id: 'd1', status: 'accepted' }])
  expect(atB.calls).toHaveLength(2)
  expect(proxy.stats).toEqual({ requests: 2, relayed: 1, dropped: 1, failed: 0 })
})

test('a share of drops from a seed: the same seed drops the same requests', async () => {
  const run = async () => {
    const { a, atB, proxy } = await behindProxy({ dropResponses: 0.5, seed: 42 })
    const results: string[] = []
    for (let i = 0; i < 20; i++) results.push(await outcome(a.deliver('b', [message(`d${i}`)])))
    expect(atB.calls).toHaveLength(20)
    expect(proxy.stats.dropped + proxy.stats.relayed).toBe(20)
    return results
  }
  const first = await run()
  expect(first).toContain('ok')
  expect(first).toContain('retryable')
  expect(first).not.toContain('other')
  expect(await run()).toEqual(first)
})

test('dropResponses changes at run time', async () => {
  const { a, proxy } = await behindProxy({ dropResponses: 1 })
  expect(await outcome(a.deliver('b', [message('d1')]))).toBe('retryable')
  proxy.dropResponses(0)
  expect(await outcome(a.deliver('b', [message('d2')]))).toBe('ok')
  expect(() => proxy.dropResponses(2)).toThrow(RangeError)
})

test('down: connections refused (retryable), nothing reaches the peer; up: through again', async () => {
  const { a, atB, proxy } = await behindProxy()
  expect(await outcome(a.deliver('b', [message('d1')]))).toBe('ok')
  await proxy.down()
  expect(await outcome(a.deliver('b', [message('d2')]))).toBe('retryable')
  expect(atB.calls).toHaveLength(1)
  await proxy.up()
  expect(await outcome(a.deliver('b', [message('d2')]))).toBe('ok')
  expect(atB.calls.map((c) => c.batch[0]!.id)).toEqual(['d1', 'd2'])
})

test('the peer itself down behind the proxy: the request fails, counted, retryable', async () => {
  const { a, b, proxy } = await behindProxy()
  await b.stop()
  expect(await outcome(a.deliver('b', [message('d1')]))).toBe('retryable')
  expect(proxy.stats.failed).toBe(1)
})
