import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import {
  DeleteCommand,
  type IdPicks,
  MarkCommand,
  MoveCommand,
  RetractCommand,
  UpdateCommand,
} from './commands.js'
import { ConsentCommand, consentSenders, ModeCommand } from './consent-commands.js'
import { EngineUnderTest } from './engine-under-test.js'
import { accounts, Model } from './model.js'
import {
  BroadcastCommand,
  ResendCommand,
  type SendArgs,
  SendCommand,
  SendManyCommand,
} from './send-commands.js'

const owner = fc.constantFrom(...accounts)
const sender = fc.option(owner, { nil: null, freq: 5 })
/** `bob@local` is bob: the engine must treat it as the same recipient. */
const recipients = fc.array(fc.constantFrom(...accounts, 'bob@local'), {
  minLength: 1,
  maxLength: 3,
})
/** Few contents and keys, so repeats (same payload or not) are common. */
const content = fc.record({
  subject: fc.constantFrom('hi', 'lunch?'),
  text: fc.constantFrom('one', 'two'),
})
const key = fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined, freq: 2 })
/** Mostly the default; 'skip' often enough that partial sends happen. */
const onConsentMissing = fc.constantFrom(undefined, undefined, 'reject' as const, 'skip' as const)
const sendArgs: fc.Arbitrary<SendArgs> = fc
  .record({ from: sender, to: recipients, content, key, onConsentMissing })
  .map(({ onConsentMissing: option, ...args }) =>
    option ? { ...args, onConsentMissing: option } : args,
  )
const badSendArgs: fc.Arbitrary<SendArgs> = fc.record({
  from: sender,
  to: fc
    .tuple(recipients, fc.constantFrom('zed', 'not an address'))
    .map(([to, bad]) => [...to, bad]),
  content,
  key,
})
const idPicks: fc.Arbitrary<IdPicks> = fc.record({
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  extra: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'any', 'unknown'),
})
/** True one time in four: for the error paths of edits. */
const sometimes = fc.constantFrom(false, false, false, true)
const box = fc.constantFrom('inbox', 'sent', 'archive', 'requests')
const target = fc.constantFrom('inbox', 'archive', 'work')

const commands = [
  sendArgs.map((a) => new SendCommand(a)),
  sendArgs.map((a) => new SendCommand(a)),
  fc.tuple(fc.nat(), fc.boolean()).map(([pick, change]) => new ResendCommand(pick, change)),
  fc
    .array(fc.oneof({ arbitrary: sendArgs, weight: 3 }, badSendArgs), {
      minLength: 1,
      maxLength: 4,
    })
    .map((items) => new SendManyCommand(items)),
  fc
    .tuple(
      fc.nat(),
      fc.boolean(),
      fc.oneof(
        idPicks,
        box.map((b) => ({ box: b })),
      ),
    )
    .map(([o, read, t]) => new MarkCommand(o, read, t)),
  fc
    .tuple(fc.nat(), idPicks, target, fc.option(box, { nil: undefined, freq: 3 }))
    .map(([o, ids, to, from]) => new MoveCommand(o, ids, to, from)),
  fc
    .tuple(fc.nat(), idPicks, fc.option(box, { nil: undefined, freq: 3 }))
    .map(([o, ids, b]) => new DeleteCommand(o, ids, b)),
  fc
    .tuple(fc.nat(), sometimes, sometimes, content)
    .map(([pick, other, stale, c]) => new UpdateCommand(pick, other, stale, c)),
  fc.tuple(fc.nat(), sometimes).map(([pick, other]) => new RetractCommand(pick, other)),
  fc.tuple(content, key).map(([c, k]) => new BroadcastCommand(c, k)),
  fc
    .tuple(owner, fc.constantFrom(...consentSenders), fc.boolean())
    .map(([o, s, grant]) => new ConsentCommand(o, s, grant)),
  fc
    .tuple(owner, fc.constantFrom(...consentSenders), fc.boolean())
    .map(([o, s, grant]) => new ConsentCommand(o, s, grant)),
  fc
    .tuple(owner, fc.constantFrom('open' as const, 'opt-in' as const, 'requests' as const))
    .map(([o, mode]) => new ModeCommand(o, mode)),
]

/**
 * Random sequences of sends, batches, broadcasts, marks, moves, deletes, edits, retracts,
 * consent grants and revokes and consent mode changes against a small in-memory model (which
 * predicts consent refusals, skips and `requests` routing: no message lands in the box of an
 * account that had not consented when it was sent); the whole state and the events are compared after every
 * step, and `verify()` must find nothing after every run.
 */
export function describeModelTest(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('model-based', () => {
    it('agrees with the model after every command, and verify() finds nothing', async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: 'max' }), async (cmds) => {
          // Chunks of 2 make whole-box marks take several transactions.
          const markChunkSize = 2
          const engine = await EngineUnderTest.open(options, { limits: { markChunkSize } })
          try {
            for (const address of accounts) await engine.ph.accounts.register({ address })
            await engine.take(accounts.length)
            await fc.asyncModelRun(() => ({ model: new Model(markChunkSize), real: engine }), cmds)
            expect(await engine.ph.verify()).toEqual([])
          } finally {
            await engine.close()
          }
        }),
        { numRuns: options.fuzzRuns },
      )
    })
  })
}
