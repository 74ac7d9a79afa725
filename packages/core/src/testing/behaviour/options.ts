import { describe, expect, it } from 'vitest'
import { openPigeonhole, type PigeonholeOptions } from '../../index.js'
import type { Store } from '../../store-port.js'
import type { ConformanceOptions } from '../options.js'
import { CountingIds, TestClock, useEngine } from './harness.js'
import { expectError, expectNothingChanged, expectOptionRefused, register } from './helpers.js'

const bad = <T>(value: unknown) => value as T

/** Bad options besides `store`, the field they must name and the message. */
const badOptions: [label: string, options: Record<string, unknown>, field: string, RegExp][] = [
  [
    'a misspelled key',
    { peerid: 'x' },
    'peerid',
    /^openPigeonhole: peerid: unknown option, did you mean "peerId"\?$/,
  ],
  [
    'a key in the wrong case',
    { Clock: { now: () => 1 } },
    'Clock',
    /^openPigeonhole: Clock: unknown option, did you mean "clock"\?$/,
  ],
  [
    'an unknown limit',
    { limits: { sendsPerMinute: 5 } },
    'limits.sendsPerMinute',
    /^openPigeonhole: limits\.sendsPerMinute: unknown option \(known: maxContentBytes, markChunkSize, sendsPerSecond, burst, kinds, kindOf\)$/,
  ],
  [
    'a rate of 0',
    { limits: { sendsPerSecond: 0 } },
    'limits.sendsPerSecond',
    /^openPigeonhole: limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got 0$/,
  ],
  [
    'a negative rate',
    { limits: { sendsPerSecond: -2 } },
    'limits.sendsPerSecond',
    /limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got -2$/,
  ],
  [
    'a rate of NaN',
    { limits: { sendsPerSecond: Number.NaN } },
    'limits.sendsPerSecond',
    /limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got NaN$/,
  ],
  [
    'an infinite rate',
    { limits: { sendsPerSecond: Number.POSITIVE_INFINITY } },
    'limits.sendsPerSecond',
    /limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got Infinity$/,
  ],
  [
    'a rate given as a string',
    { limits: { sendsPerSecond: '10' } },
    'limits.sendsPerSecond',
    /limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got "10"$/,
  ],
  [
    'a rate above 1000000',
    { limits: { sendsPerSecond: 2_000_000 } },
    'limits.sendsPerSecond',
    /limits\.sendsPerSecond: expected a number from 0\.001 to 1000000, got 2000000$/,
  ],
  [
    'a burst of 0',
    { limits: { sendsPerSecond: 1, burst: 0 } },
    'limits.burst',
    /^openPigeonhole: limits\.burst: expected a positive integer, got 0$/,
  ],
  [
    'a fractional burst',
    { limits: { sendsPerSecond: 1, burst: 2.5 } },
    'limits.burst',
    /limits\.burst: expected a positive integer, got 2\.5$/,
  ],
  [
    'a burst without a rate',
    { limits: { burst: 5 } },
    'limits.burst',
    /^openPigeonhole: limits\.burst: expected limits\.sendsPerSecond with it \(burst is the default rate's\), got 5$/,
  ],
  [
    'a kind with a bad rate',
    { limits: { kinds: { service: { sendsPerSecond: 0.0001 } } } },
    'limits.kinds.service.sendsPerSecond',
    /^openPigeonhole: limits\.kinds\.service\.sendsPerSecond: expected a number from 0\.001 to 1000000, got 0\.0001$/,
  ],
  [
    'a kind without a rate',
    { limits: { kinds: { service: { burst: 5 } } } },
    'limits.kinds.service.sendsPerSecond',
    /limits\.kinds\.service\.sendsPerSecond: expected a number from 0\.001 to 1000000, got nothing$/,
  ],
  [
    'a misspelled key in a kind',
    { limits: { kinds: { service: { sendsPerSecond: 1, brust: 5 } } } },
    'limits.kinds.service.brust',
    /^openPigeonhole: limits\.kinds\.service\.brust: unknown option, did you mean "burst"\?$/,
  ],
  [
    'a kind name with a space',
    { limits: { kinds: { 'big service': { sendsPerSecond: 1 } } } },
    'limits.kinds.big service',
    /^openPigeonhole: limits\.kinds\.big service: expected a kind name: 1-64 letters, .*, got "big service"$/,
  ],
  [
    'a kindOf that is not a function',
    { limits: { kinds: { service: null }, kindOf: 'service' } },
    'limits.kindOf',
    /^openPigeonhole: limits\.kindOf: expected a function, got "service"$/,
  ],
  [
    'a kindOf without kinds',
    { limits: { sendsPerSecond: 1, kindOf: () => 'service' } },
    'limits.kindOf',
    /^openPigeonhole: limits\.kindOf: expected limits\.kinds with it \(the kinds it may answer\)/,
  ],
  [
    'a misspelled limit',
    { limits: { maxContentByte: 5 } },
    'limits.maxContentByte',
    /^openPigeonhole: limits\.maxContentByte: unknown option, did you mean "maxContentBytes"\?$/,
  ],
  [
    'limits that are not an object',
    { limits: 5 },
    'limits',
    /^openPigeonhole: limits: expected an object, got 5$/,
  ],
  [
    'a limit above 2^31 - 1',
    { limits: { markChunkSize: 2 ** 31 } },
    'limits.markChunkSize',
    /^openPigeonhole: limits\.markChunkSize: expected a positive integer ≤ 2147483647, got 2147483648$/,
  ],
  [
    'a peerId with a space',
    { peerId: 'a b' },
    'peerId',
    /^openPigeonhole: peerId: expected an address part like "local" .*, got "a b"$/,
  ],
  ['a peerId "."', { peerId: '.' }, 'peerId', /peerId: expected an address part .*, got "\."$/],
  ['a numeric peerId', { peerId: 123 }, 'peerId', /peerId: expected a string, got 123$/],
  [
    'a clock without now()',
    { clock: {} },
    'clock',
    /^openPigeonhole: clock: expected \{ now\(\): number \}/,
  ],
  [
    'a clock that returns a string',
    { clock: { now: () => '2024-01-01' } },
    'clock',
    /^openPigeonhole: clock: expected now\(\) to return a whole number of ms since the epoch \(0 to 9007199254740991\), got "2024-01-01"$/,
  ],
  [
    'a clock that returns a negative time',
    { clock: { now: () => -1 } },
    'clock',
    /clock: expected now\(\) to return a whole number .*, got -1$/,
  ],
  [
    'a clock that returns a fraction',
    { clock: { now: () => 1.5 } },
    'clock',
    /clock: expected now\(\) to return a whole number .*, got 1\.5$/,
  ],
  [
    'a clock past 2^53',
    { clock: { now: () => 2 ** 53 } },
    'clock',
    /clock: expected now\(\) to return a whole number .*, got 9007199254740992$/,
  ],
  [
    'a clock whose now() throws',
    {
      clock: {
        now: () => {
          throw new Error('no time')
        },
      },
    },
    'clock',
    /clock: expected now\(\) to return a whole number .*, got an error: no time$/,
  ],
  [
    'ids without next()',
    { ids: { nextId: () => 'x' } },
    'ids',
    /^openPigeonhole: ids: expected \{ next\(kind\): string \}/,
  ],
  [
    'onSubscriberError that is not a function',
    { onSubscriberError: 'log' },
    'onSubscriberError',
    /^openPigeonhole: onSubscriberError: expected a function, got "log"$/,
  ],
]

export function describeOptions(options: ConformanceOptions): void {
  describe('openPigeonhole options', () => {
    const t = useEngine(options)

    /** Opens a store, runs `body` with it, and closes it whatever happened. */
    const withStore = async (body: (store: Store) => Promise<void>) => {
      const store = await options.openStore()
      try {
        await body(store)
      } finally {
        await store.close()
      }
    }

    it('refuses no options at all, or options that are not an object, with invalid_input', async () => {
      for (const value of [undefined, null, 'store', 5]) {
        await expectError(openPigeonhole(bad(value)), 'invalid_input', {
          message: /^openPigeonhole: options: expected an object, got /,
          field: 'options',
        })
      }
    })

    for (const [label, given, field, message] of badOptions) {
      it(`refuses ${label}, naming the option`, async () => {
        await withStore((store) => expectOptionRefused(store, given, field, message))
      })
    }

    it('takes every option it knows, onSubscriberError too', async () => {
      await withStore(async (store) => {
        const ph = await openPigeonhole(
          bad<PigeonholeOptions>({
            store,
            clock: new TestClock(),
            ids: new CountingIds(),
            peerId: 'server-1.example',
            limits: {
              maxContentBytes: 2 ** 31 - 1,
              markChunkSize: 1,
              sendsPerSecond: 0.001,
              burst: 2 ** 31 - 1,
              kinds: { system: { sendsPerSecond: 1_000_000 }, 'bulk.mail-1': null },
              kindOf: () => undefined,
            },
            onSubscriberError: () => {},
          }),
        )
        try {
          await register(ph, 'alice')
          expect((await ph.accounts.get('alice@server-1.example'))?.address).toBe('alice')
        } finally {
          await ph.close()
        }
      })
    })

    it('folds the peerId to lower case, as every address part', async () => {
      const { ph } = await t.open({ peerId: 'Server1' })
      await register(ph, 'alice')
      expect((await ph.accounts.get('ALICE@SERVER1'))?.address).toBe('alice')
    })

    it('refuses a write when the clock goes bad after open, naming clock, and writes nothing', async () => {
      let now: unknown = 1_000
      const clock = { now: () => now as number }
      const { ph, ids } = await t.open({ clock })
      await register(ph, 'alice', 'bob')
      for (const wrong of ['soon', Number.NaN, -5, 2 ** 53, null]) {
        now = wrong
        await expectNothingChanged(
          { ph, ids },
          ['alice', 'bob'],
          () => ph.messages.send({ from: 'alice', to: ['bob'], content: {} }),
          'invalid_input',
          {
            message: /^messages\.send: clock: expected now\(\) to return a whole number/,
            field: 'clock',
          },
        )
        await expectError(ph.accounts.register({ address: 'carol' }), 'invalid_input', {
          message: /^accounts\.register: clock: /,
          field: 'clock',
        })
        now = 1_000
      }
      expect(await ph.accounts.get('carol')).toBeNull()
    })
  })
}
