import { describe, expect, it } from 'vitest'
import { runOverHttp } from '../src/http.js'
import { runInMemory } from '../src/memory.js'

/** What both ways print: the request goes out, bob accepts, the shop sees it Completed. */
function expectTheFlow(out: string) {
  expect(out).toMatch(/\[a\] shop: request (req_\S+) sent to bob@b in msg_\S+, status Open/)
  expect(out).toMatch(
    /\[b\] bob: request req_\S+ from shop@a: "Welcome to the shop", ManualDecisionRequired/,
  )
  expect(out).toContain('[b] bob: accepted, his side is Completed')
  expect(out).toMatch(/\[a\] shop: request req_\S+ is Completed: Accepted/)
  expect(out).toContain('[a] shop: receipt from bob@b: read')
  expect(out).toContain('FreeTextAcceptResponseItem \\"a friend told me\\"')
}

describe('example: two-peers', () => {
  it('in one process over memoryNetwork(): both sides Completed', async () => {
    const lines: string[] = []
    const { shop, bob } = await runInMemory((line) => lines.push(line))
    expect(shop).toMatchObject({ status: 'Completed', result: 'Accepted', receipt: 'read' })
    expect(bob).toEqual({ requestId: shop.requestId, status: 'Completed' })
    expectTheFlow(lines.join('\n'))
  })

  it('in two processes over HTTP: both sides Completed, both children exit 0', async () => {
    const lines: string[] = []
    const { shop, bob } = await runOverHttp((line) => lines.push(line))
    expect(shop).toMatchObject({ status: 'Completed', result: 'Accepted', receipt: 'read' })
    expect(bob).toEqual({ requestId: shop.requestId, status: 'Completed' })
    const out = lines.join('\n')
    expect(out).toMatch(/http: peer a \(shop\) at http:\/\/127\.0\.0\.1:\d+, peer b \(bob\) at/)
    expectTheFlow(out)
  })
})
