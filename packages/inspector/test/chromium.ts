import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium: the browser tests drive it (no browser download). */
export const chromiumPath = '/usr/bin/chromium'

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]

/**
 * Installs Chromium with apt-get when it is missing (a clean CI machine), or throws saying
 * why: the browser tests fail then, they never skip.
 */
export function ensureChromium(): void {
  if (existsSync(chromiumPath)) return
  console.warn(`the browser tests need ${chromiumPath}: installing it (apt-get install chromium)`)
  try {
    // Browser test files run side by side: the second apt-get waits for the first one's lock.
    const wait = ['-o', 'DPkg::Lock::Timeout=600']
    execFileSync('apt-get', [...wait, 'update'], { stdio: 'inherit' })
    execFileSync('apt-get', [...wait, 'install', '-y', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  } catch (error) {
    throw new Error(
      `the browser tests need Chromium at ${chromiumPath}; \`apt-get install -y chromium\` failed: ${String(error)}`,
    )
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(`apt-get installed chromium, but there is no ${chromiumPath}`)
  }
}

export async function launch(): Promise<Browser> {
  ensureChromium()
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
}
