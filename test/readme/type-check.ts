import { join } from 'node:path'
import ts from 'typescript'
import type { CodeBlock } from './code-blocks.js'

/** What a fragment sees besides its own declarations. */
const fragmentPrelude = [
  "import type { Pigeonhole } from '@pigeonhole/core'",
  'declare const ph: Pigeonhole',
]

/**
 * Type-checks every block as its own module under the repository root, so `@pigeonhole/*`
 * resolves to the workspace sources (the `source` condition of tsconfig.base.json). Returns
 * each block's errors as `README.md:line: message`, in block order.
 */
export function typeCheck(root: string, blocks: CodeBlock[]): string[][] {
  const config = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    incremental: false,
  }
  const files = new Map<string, { text: string; block: CodeBlock; offset: number }>()
  blocks.forEach((block, index) => {
    const prelude = block.fragment === undefined ? [] : [...fragmentPrelude, block.fragment]
    // `export {}` keeps a block without imports a module (top-level await, its own scope).
    const text = [...prelude, block.code, 'export {}', ''].join('\n')
    const name = join(root, 'test', 'readme', `readme-block-${index}.ts`)
    files.set(name, { text, block, offset: prelude.length })
  })
  const host = ts.createCompilerHost(compilerOptions)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, language, ...rest) => {
    const file = files.get(name)
    if (file) return ts.createSourceFile(name, file.text, language)
    return getSourceFile(name, language, ...rest)
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => files.has(name) || fileExists(name)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => files.get(name)?.text ?? readFile(name)
  host.getCurrentDirectory = () => root
  const program = ts.createProgram([...files.keys()], compilerOptions, host)
  return [...files].map(([name, { block, offset }]) => {
    const source = program.getSourceFile(name)
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]
    return diagnostics.map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n')
      if (d.file === undefined || d.start === undefined) return `${block.readme}: ${text}`
      const { line } = d.file.getLineAndCharacterOfPosition(d.start)
      const where = d.file.fileName === name ? block.line + line - offset : d.file.fileName
      return `${block.readme}:${where}: ${text}`
    })
  })
}
