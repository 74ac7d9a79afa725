import { describe, expect, it } from 'vitest'
import { openPigeonhole, type PigeonholeOptions } from '../../index.js'
import type { Store } from '../../store-port.js'
import type { ConformanceOptions } from '../options.js'
import { CountingIds, TestClock, useEngine } from './harness.js'
import { expectError, expectNothingChanged, register } from './helpers.js'

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
    { limits: { sendsPerSecond: 5 } },
    'limits.sendsPerSecond',
    /^openPigeonhole: limits\.sendsPerSecond: unknown option \(known: maxContentBytes, markChunkSize\)$/,
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
        await withStore(async (store) => {
          const error = await expectError(
            openPigeonhole(bad<PigeonholeOptions>({ store, ...given })),
            'invalid_input',
            { message, field },
          )
          expect(error.details).toMatchObject({
            field,
            expected: expect.any(String),
            got: expect.any(String),
          })
        })
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
            limits: { maxContentBytes: 2 ** 31 - 1, markChunkSize: 1 },
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
