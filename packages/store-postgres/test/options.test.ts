import { isPigeonholeError } from '@pigeonhole/core'
import { expect, test } from 'vitest'
import { type PostgresStoreOptions, postgresStore } from '../src/index.js'

// Options are checked before any connection is made: these tests need no server.
const url = 'postgres://postgres@127.0.0.1:5432/test'

const refused: [label: string, options: unknown, field: string, message: string][] = [
  [
    'pollIntervalMs at 2^31 (Node would poll every 1 ms)',
    { connectionString: url, pollIntervalMs: 2 ** 31 },
    'pollIntervalMs',
    'postgresStore: pollIntervalMs: expected a positive integer ≤ 2147483647, got 2147483648',
  ],
  [
    'retryDelayMs above 2^31 - 1',
    { connectionString: url, retryDelayMs: 1e12 },
    'retryDelayMs',
    'postgresStore: retryDelayMs: expected a positive integer ≤ 2147483647, got 1000000000000',
  ],
  [
    'reconnectDelayMs.max above 2^31 - 1',
    { connectionString: url, reconnectDelayMs: { max: 2 ** 40 } },
    'reconnectDelayMs.max',
    'postgresStore: reconnectDelayMs.max: expected a positive integer ≤ 2147483647, got 1099511627776',
  ],
  [
    'a misspelled option',
    { connectionString: url, pollIntervalMS: 100 },
    'pollIntervalMS',
    'postgresStore: pollIntervalMS: unknown option, did you mean "pollIntervalMs"?',
  ],
  [
    'a misspelled nested option',
    { connectionString: url, reconnectDelayMs: { minimum: 5 } },
    'reconnectDelayMs.minimum',
    'postgresStore: reconnectDelayMs.minimum: unknown option, did you mean "min"?',
  ],
  [
    'a connection string that is empty',
    { connectionString: '' },
    'connectionString',
    'postgresStore: connectionString: expected a URL such as \'postgres://user@host:5432/db\' (or give `pool`), got ""',
  ],
  [
    'neither a connection string nor a pool',
    { schema: 'x' },
    'connectionString',
    "postgresStore: connectionString: expected a URL such as 'postgres://user@host:5432/db' (or give `pool`), got nothing",
  ],
  ['no options', undefined, 'options', 'postgresStore: options: expected an object, got nothing'],
  [
    'a pool that is not a pg.Pool',
    { pool: {} },
    'pool',
    'postgresStore: pool: expected a pg.Pool, got {}',
  ],
  [
    'an onRetry that is not a function',
    { connectionString: url, onRetry: 'log' },
    'onRetry',
    'postgresStore: onRetry: expected a function, got "log"',
  ],
  [
    'listen that is not a boolean',
    { connectionString: url, listen: 'yes' },
    'listen',
    'postgresStore: listen: expected a boolean, got "yes"',
  ],
  [
    'maxAttempts of 1.5',
    { connectionString: url, maxAttempts: 1.5 },
    'maxAttempts',
    'postgresStore: maxAttempts: expected a positive integer, got 1.5',
  ],
]

test.each(refused)('postgresStore refuses %s, naming it', (_, options, field, message) => {
  let error: unknown
  try {
    postgresStore(options as PostgresStoreOptions)
  } catch (e) {
    error = e
  }
  expect(isPigeonholeError(error, 'invalid_input')).toBe(true)
  expect((error as Error).message).toBe(message)
  expect((error as { details: { field: string } }).details).toMatchObject({
    field,
    expected: expect.any(String),
    got: expect.any(String),
  })
})
