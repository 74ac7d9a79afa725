import { describe, expect, it } from 'vitest'
import { runRequestsExample } from '../src/scenario.js'

describe('example: requests', () => {
  it('the service asks, the user accepts, both sides end Completed', async () => {
    const lines: string[] = []
    const { verified } = await runRequestsExample((line) => lines.push(line))
    const out = lines.join('\n')
    expect(verified).toBe(true)
    expect(out).toContain('canCreate: ok')
    expect(out).toContain('sending it again without the key: request_already_sent')
    expect(out).toMatch(
      /req_\S+ "Welcome to Acme" incoming \(peer acme\) status ManualDecisionRequired/,
    )
    expect(out).toContain('canAccept without the terms: item_invalid (item: must_be_accepted)')
    expect(out).toContain('canAccept with the terms: ok')
    expect(out).toContain("accepted: ada's side is Completed")
    expect(out).toMatch(/req_\S+ is Completed: Accepted/)
    expect(out).toContain('ConsentAcceptResponseItem')
    expect(out).toContain('"freeText":"A friend"')
    expect(out).toContain('history: Draft -> Open -> Completed')
    expect(out).toMatch(/acme's inbox: msg_\S+ from ada \(Response\)/)
    expect(out).toMatch(/\[event\] request\.incomingReceived\s+ada/)
    expect(out).toMatch(
      /\[event\] request\.statusChanged\s+acme\s+req_\S+ \(outgoing\) Open -> Completed/,
    )
    expect(out).toContain('verify(): ok')
  })
})
