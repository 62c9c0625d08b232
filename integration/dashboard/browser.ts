/**
 * @module Headless Chromium for the dashboard tests: Debian's `chromium` (or CHROMIUM_PATH), driven
 * by playwright-core, which never downloads a browser of its own. Without Chromium a test skips with
 * a message, except under CI (CI=true), where it fails, so a CI machine without it cannot pass.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const installed = existsSync(CHROMIUM);
const MISSING = `Chromium is not installed at ${CHROMIUM} (Debian package chromium; \`make system-packages\` installs it)`;

/** node:test options for a browser test: skipped locally without Chromium, run (and failed) under CI. */
export function browserTestOptions(): { skip: string | false } {
  if (installed || process.env.CI === 'true') return { skip: false };
  console.log(`# skipping a dashboard browser test: ${MISSING}`);
  return { skip: MISSING };
}

export function browserAvailable(): boolean {
  return installed;
}

export interface BrowserPage {
  readonly browser: Browser;
  readonly page: Page;
  /** Console errors and uncaught exceptions the page produced so far. */
  readonly errors: string[];
}

export async function openPage(): Promise<BrowserPage> {
  if (!installed) assert.fail(MISSING);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { browser, page, errors };
}
