// The Request/Response protocol: a service asks a user to accept its terms and authenticate.
import { runRequestsExample } from './scenario.js'

const { verified } = await runRequestsExample((line) => console.log(line))
if (!verified) process.exitCode = 1
