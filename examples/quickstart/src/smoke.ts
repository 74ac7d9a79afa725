import { openPigeonhole } from '@pigeonhole/core'
import { sqliteStore } from '@pigeonhole/store-sqlite'

const ph = await openPigeonhole({ store: sqliteStore({ path: ':memory:' }) })
const seen: string[] = []
ph.events$.subscribe((e) => seen.push(`${e.cursor} ${e.type} ${e.owner ?? ''}`))
await ph.accounts.register({ address: 'alice' })
await ph.accounts.register({ address: 'bob', consent: 'open' })
const sent = await ph.messages.send({ from: 'alice', to: ['bob'], content: { subject: 'Hi', text: 'Hello Bob' }, idempotencyKey: 'k-1' })
const again = await ph.messages.send({ from: 'alice', to: ['bob'], content: { subject: 'Hi', text: 'Hello Bob' }, idempotencyKey: 'k-1' })
console.log(sent.id === again.id)
try { await ph.messages.send({ from: 'alice', to: ['bob'], content: { text: 'x' }, idempotencyKey: 'k-1' }) } catch (e) { console.log((e as Error).message) }
try { await ph.messages.send({ from: 'alice', to: [], content: { text: 'x' } }) } catch (e) { console.log((e as Error).message) }
try { await ph.messages.send({ from: 'alice', to: ['carol'], content: { text: 'x' } }) } catch (e) { console.log((e as Error).message) }
try { await ph.messages.list({ owner: 'bob', box: 'nope', limit: 20 }) } catch (e) { console.log((e as Error).message) }
try { await ph.messages.list({ owner: 'bob', limit: 2000 }) } catch (e) { console.log((e as Error).message) }
await ph.messages.broadcast({ content: { text: 'maintenance tonight' } })
const page = await ph.messages.list({ owner: 'bob', box: 'inbox', limit: 20 })
console.log(page.items.map((i) => i.message.content))
console.log(await ph.boxes.counts('bob'))
console.log(await ph.messages.markRead({ owner: 'bob', ids: [sent.id] }))
console.log(await ph.messages.markRead({ owner: 'bob', box: 'inbox' }))
console.log(await ph.messages.move({ owner: 'bob', ids: [sent.id], to: 'archive' }))
console.log(await ph.boxes.list('bob'))
const upd = await ph.messages.update({ id: sent.id, by: 'alice', content: { text: 'edited' }, expectedVersion: 1 })
console.log(upd.version)
try { await ph.messages.update({ id: sent.id, by: 'alice', content: { text: 'edited2' }, expectedVersion: 1 }) } catch (e) { console.log((e as Error).message) }
const many = await ph.messages.sendMany([{ identifier: 'a', from: 'alice', to: ['bob'], content: { text: '1' } }, { identifier: 'b', from: 'alice', to: ['zed'], content: { text: '2' } }, { identifier: 'c', from: 'alice', to: ['bob'], content: 5 as never }])
console.log(many.items.map((i) => `${i.identifier} ${i.status} ${i.error?.message ?? ''}`))
const t = await ph.threads.create({ subject: 'plans', participants: ['alice', 'bob'], createdBy: 'alice' })
await ph.messages.send({ from: 'bob', threadId: t.id, content: { text: 'in thread' } })
console.log((await ph.messages.list({ owner: 'alice', threadId: t.id })).items.length)
console.log(await ph.messages.receipts(sent.id))
console.log(await ph.messages.retract({ id: sent.id, by: 'alice' }))
console.log(await ph.messages.listPage({ owner: 'bob', page: 1, pageSize: 2 }).then((p) => [p.total, p.pageCount, p.items.length]))
console.log(await ph.verify())
const replay: number[] = []
const sub = ph.events.since(3).subscribe((e) => replay.push(e.cursor))
await new Promise((r) => setTimeout(r, 50))
console.log(seen.length, replay.length, replay[0])
sub.unsubscribe()
await ph.close()
