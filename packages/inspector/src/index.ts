export { inspector } from './inspector.js'
export type { InspectorOptions, StaticKey } from './options.js'
export { type InspectorServer, type ServeInspectorOptions, serveInspector } from './serve.js'
