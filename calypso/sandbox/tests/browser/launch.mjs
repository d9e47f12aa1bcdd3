// One headless Chromium page for a browser test script (run by tests/common/browser.rs, which
// passes the browser's path in SANDBOX_CHROMIUM). Nothing here writes to stdout: that is the
// script's JSON answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// Debian's Chromium, not a browser playwright would download. The background-networking flags
// keep it from calling Google's services, which a closed network refuses; no sandbox, as
// containers and root cannot give it one.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a new, empty profile, opens a page and runs `fn(page, seen)`; returns
 * what `fn` returns. `seen.errors` collects console errors and uncaught exceptions, and
 * `seen.dialogs` the alert, confirm and prompt dialogs the page opened (dismissed, so the page
 * goes on). The browser is closed and its profile removed whatever happens.
 */
export async function withPage(fn) {
  const profile = await mkdtemp(join(tmpdir(), 'sandbox-chromium-'));
  let context;
  try {
    // A persistent context is how playwright takes a profile folder of ours (it refuses
    // --user-data-dir in the args).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.SANDBOX_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      timeout: 30_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Fails a missing element or a slow page well before the Rust side's hard limit.
    page.setDefaultTimeout(10_000);
    const seen = { errors: [], dialogs: [] };
    page.on('console', (message) => {
      // The URL: a failed load's message does not say which resource it was.
      if (message.type() === 'error') {
        seen.errors.push(`console: ${message.text()} (${message.location().url})`);
      }
    });
    page.on('pageerror', (error) => seen.errors.push(`uncaught: ${error.message}`));
    page.on('dialog', (dialog) => {
      seen.dialogs.push({ type: dialog.type(), message: dialog.message() });
      dialog.dismiss().catch(() => {});
    });
    return await fn(page, seen);
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  }
}
