import {
  databaseUrl,
  describePostgres,
  rawClient,
  useSchemas,
} from '../../store-postgres/test/postgres-env.js'
import { storeFlow } from './flow.js'

describePostgres('pigeonhole on PostgreSQL', () => {
  const schemas = useSchemas('cli')
  const schema = schemas.next() // a fresh schema, dropped after the file
  const host = new URL(databaseUrl)

  storeFlow({
    flags: () => ['--database-url', databaseUrl, '--schema', schema],
    describe: () => `PostgreSQL ${host.host}${host.pathname} (schema ${schema})`,
    async plantDifference() {
      const client = await rawClient(schema)
      try {
        await client.query(
          `update box_counts set total = total + 5, unread = unread + 5
           where owner = 'bob' and box = 'inbox'`,
        )
      } finally {
        await client.end()
      }
    },
  })
})
