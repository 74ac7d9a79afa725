import fc from 'fast-check'
import { describe, it } from 'vitest'
import type { ConformanceOptions } from '../options.js'
import { checkAll, checkEnd, FuzzEngine } from './fuzz-check.js'
import {
  AcceptCommand,
  type Choice,
  CreateCommand,
  type CreateSpec,
  ExpireDueCommand,
  ForgeResponseCommand,
  type ItemSpec,
  type NodeSpec,
  RedeliverCommand,
  RejectCommand,
  SendCommand,
  TickCommand,
} from './fuzz-commands.js'
import { accounts, FuzzModel } from './fuzz-model.js'

/** `value` n times: for constantFrom weights (oneof leans to its first arbitrary in deep structures). */
function many<T>(value: T, n: number): T[] {
  return Array.from({ length: n }, () => value)
}

const itemSpec: fc.Arbitrary<ItemSpec> = fc.record({
  kind: fc.constantFrom('auth', 'consent', 'freeText'),
  must: fc.constantFrom(false, false, true),
  link: fc.boolean(),
})
const nodeSpec: fc.Arbitrary<NodeSpec> = fc.oneof(
  { arbitrary: itemSpec, weight: 3 },
  fc.record({ group: fc.array(itemSpec, { minLength: 1, maxLength: 3 }) }),
)
const createSpec: fc.Arbitrary<CreateSpec> = fc.record({
  owner: fc.nat(),
  peer: fc.nat(),
  nodes: fc.array(nodeSpec, { minLength: 1, maxLength: 3 }),
  // 1 ms: expires after two ticks of 1 (not at the first: only past expiresAt).
  expiresIn: fc.option(fc.constantFrom(1, 2, 1000, 60_000), { nil: undefined, freq: 2 }),
  title: fc.option(fc.constantFrom('Terms', 'Sign in'), { nil: undefined }),
  fault: fc.constantFrom(
    ...many('none' as const, 24),
    'peerIsOwner',
    'unknownPeer',
    'past',
    'unknownOwner',
    'unknownType',
    'noConsent',
    'badLink',
    'noItems',
  ),
  faultAt: fc.nat(),
})
const choice: fc.Arbitrary<Choice> = fc.record({
  accept: fc.constantFrom(true, true, true, true, true, false),
  freeText: fc.option(fc.constantFrom('Ada', ''), { nil: undefined, freq: 10 }),
  code: fc.option(fc.constant('not_now'), { nil: undefined }),
  message: fc.option(fc.constant('Maybe later'), { nil: undefined }),
})
const choices = fc.array(choice, { minLength: 9, maxLength: 9 })
const sometimes = fc.constantFrom(false, false, false, false, false, true)

const create = createSpec.map((s) => new CreateCommand(s))
const send = fc
  .tuple(
    fc.nat(),
    fc.constantFrom(
      ...many('ok' as const, 6),
      'wrongTo',
      'extraTo',
      'tampered',
      'unknownId',
      'fromPeer',
    ),
    fc.nat(),
    fc.constantFrom(true, true, false),
  )
  .map(([pick, variant, other, keyed]) => new SendCommand(pick, variant, other, keyed))
const accept = fc
  .tuple(
    fc.nat(),
    sometimes,
    choices,
    fc.constantFrom(
      ...many('none' as const, 7),
      'rejectGroup',
      'rejectGroup',
      'count',
      'kind',
      'groupCount',
    ),
    fc.nat(),
  )
  .map(([pick, asAsker, c, fault, at]) => new AcceptCommand(pick, asAsker, c, fault, at))
const reject = fc
  .tuple(
    fc.nat(),
    sometimes,
    fc.constantFrom('omit', 'omit', 'explicit', 'explicit', 'withAccept', 'count'),
    choices,
    fc.nat(),
  )
  .map(([pick, asAsker, mode, c, at]) => new RejectCommand(pick, asAsker, mode, c, at))
const tick = fc
  .tuple(fc.constantFrom(1, 1, 2, 1000, 60_000), fc.boolean())
  .map(([ms, sweep]) => new TickCommand(ms, sweep))
const redeliver = fc.nat().map((pick) => new RedeliverCommand(pick))
const forge = fc
  .tuple(fc.nat(), fc.constantFrom('responder', 'asker', 'third'))
  .map(([pick, who]) => new ForgeResponseCommand(pick, who))

const commands = [
  ...many(create, 3),
  ...many(send, 4),
  ...many(accept, 3),
  reject,
  ...many(tick, 2),
  redeliver,
  forge,
  fc.constant(new ExpireDueCommand()),
]

/**
 * Shrinking runs a whole engine per try: capped, so a failure on PostgreSQL reports in minutes,
 * not an hour (the shrunk sequence is still short; FUZZ_SEED/FUZZ_PATH replay it).
 */
const sequences = fc.limitShrink(fc.commands(commands, { maxCommands: 25, size: 'max' }), 400)

/**
 * Replays a failure: FUZZ_SEED and FUZZ_PATH as fast-check printed them (with FUZZ_SEED alone,
 * the same sequences again). Never set in CI.
 */
const replay =
  process.env.FUZZ_SEED === undefined
    ? {}
    : {
        seed: Number(process.env.FUZZ_SEED),
        ...(process.env.FUZZ_PATH && { path: process.env.FUZZ_PATH }),
      }

/**
 * The Request protocol against a small model: random creates (some invalid), sends (some
 * breaking a guard), accepts and rejects (valid or not), clock moves and sweeps, re-deliveries
 * of Request messages and hand-made Responses. After every step each side's status, content,
 * history and Response are the model's, a terminal side is unchanged, and every Request and
 * Response message is where it belongs, once; after every run the events are the histories
 * and `verify()` finds nothing.
 */
export function describeRequestsFuzz(options: ConformanceOptions & { fuzzRuns: number }): void {
  describe('fuzz', () => {
    it('random create/send/accept/reject/expire/re-deliver sequences keep the contract', async () => {
      await fc.assert(
        fc.asyncProperty(sequences, async (cmds) => {
          const engine = await FuzzEngine.open(options)
          try {
            for (const address of accounts) await engine.ph.accounts.register({ address })
            const model = new FuzzModel(engine.clock.now())
            await checkAll(model, engine)
            await fc.asyncModelRun(() => ({ model, real: engine }), cmds)
            await checkEnd(model, engine)
          } finally {
            await engine.close()
          }
        }),
        { numRuns: options.fuzzRuns, ...replay },
      )
    })
  })
}
