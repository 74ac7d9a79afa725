export { exitCodes, UsageError } from './errors.js'
export { main } from './main.js'
export type { Output } from './output.js'
