#!/usr/bin/env node
// The `pigeonhole` command. Plain JavaScript, kept in git (executable), so that `npm install`
// can link it before `prepare` builds dist/. It loads the compiled CLI (`dist/main.js`), or its
// TypeScript sources when Node runs with `--conditions=source` and tsx (the tests do).
import { main } from '@pigeonhole/cli'

process.exitCode = await main(process.argv.slice(2))
