import { defineConfig } from '@playwright/test';

// The servers under test: the debug build, on in-memory databases, on their own ports. The second
// marks an author "wide" from their first follower on (AGORA_HOME_WIDE_AT, docs/read-side.md), so
// the homes of wide_homes.spec.ts take the path of the most-followed authors: posts written once
// and merged when read, pushed once on the author's source topic.
const port = 3100;
const widePort = 3101;
const agora = process.env.AGORA_BIN ?? '../target/debug/agora';
const WIDE_SPEC = /wide_homes\.spec\.ts/;

function server(listen: number, env: Record<string, string> = {}) {
  return {
    // Run from the repository root, where target/site holds the site files.
    command: `${agora} serve --addr 127.0.0.1:${listen} --db mem:// --admin root_admin`,
    cwd: '..',
    url: `http://127.0.0.1:${listen}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env,
  };
}

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'agora', testIgnore: WIDE_SPEC },
    { name: 'wide homes', testMatch: WIDE_SPEC, use: { baseURL: `http://127.0.0.1:${widePort}` } },
  ],
  webServer: [server(port), server(widePort, { AGORA_HOME_WIDE_AT: '1' })],
});
