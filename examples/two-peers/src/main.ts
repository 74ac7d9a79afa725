// The Request flow between two engines: the shop on peer a asks bob on peer b to accept its
// terms; bob accepts; both sides end Completed.
//   npm start                 both ways, one after the other
//   npm start -- memory       one process, memoryNetwork()
//   npm start -- http         two processes over HTTP (SQLite files in a temporary directory)
import { runOverHttp } from './http.js'
import { runInMemory } from './memory.js'

const ways = process.argv.slice(2).filter((a) => a !== '--')
const run = ways.length > 0 ? ways : ['memory', 'http']
let ok = true
for (const way of run) {
  if (way !== 'memory' && way !== 'http') {
    console.error(`unknown way "${way}": memory or http`)
    process.exit(2)
  }
  console.log(
    `\n== ${way === 'memory' ? 'In one process (memoryNetwork)' : 'Two processes over HTTP'}`,
  )
  const { shop, bob } = await (way === 'memory' ? runInMemory : runOverHttp)((l) => console.log(l))
  const completed = shop.status === 'Completed' && bob.status === 'Completed'
  console.log(
    `outcome (${way}): shop ${shop.status} (${shop.result}), bob ${bob.status}, receipt ${shop.receipt}`,
  )
  ok &&= completed && shop.result === 'Accepted'
}
process.exitCode = ok ? 0 : 1
