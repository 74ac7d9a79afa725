import { referenceSendPg, referenceSendPgPipelined } from '../src/cases/pg-send.js'
import { measureAlternating } from '../src/lib/measure.js'
import { openPgEngine, rawClient, schemas } from '../src/lib/postgres.js'

const names = schemas('var')
try {
  const sA = names.next(),
    sB = names.next(),
    sC = names.next(),
    sD = names.next()
  const a = await openPgEngine(sA)
  const b = await openPgEngine(sB, { listen: false, notify: false })
  for (const e of [a, b]) {
    await e.accounts.register({ address: 'alice' })
    await e.accounts.register({ address: 'bob' })
  }
  for (const s of [sC, sD]) {
    const e = await openPgEngine(s, { listen: false })
    await e.accounts.register({ address: 'alice' })
    await e.accounts.register({ address: 'bob' })
    await e.close()
  }
  const c1 = await rawClient(sC),
    c2 = await rawClient(sD, { pipeline: true })
  const r1 = referenceSendPg(c1),
    r2 = referenceSendPgPipelined(c2)
  let n = 0
  const ops = Number(process.argv[2] ?? 100)
  const stats = await measureAlternating(
    [
      () => a.messages.send({ from: 'alice', to: ['bob'], content: { n: n++ } }),
      () => b.messages.send({ from: 'alice', to: ['bob'], content: { n: n++ } }),
      () => r1('alice', 'bob', { n: n++ }),
      () => r2('alice', 'bob', { n: n++ }),
    ],
    { warmupOps: 50, samples: 9, opsPerSample: ops },
  )
  const labels = ['engine', 'engine quiet', 'ref seq', 'ref pipelined']
  stats.forEach((s, i) =>
    console.log(
      labels[i]!.padEnd(15),
      (s.medianNs / 1000).toFixed(0).padStart(7),
      'µs  spread',
      (s.spread * 100).toFixed(0) + '%',
    ),
  )
  await a.close()
  await b.close()
  await c1.end()
  await c2.end()
} finally {
  await names.drop()
}
