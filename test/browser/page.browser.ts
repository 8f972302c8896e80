import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * The live page as a person sees it: the built runner (`npm run build` first) with its default
 * configuration, opened in Debian's Chromium driven by playwright-core.
 */
const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Git-ignored; the screenshot of each run is left here to look at. */
const ARTIFACTS = join(ROOT, 'artifacts');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The page's DOM as the functions run inside it see it (the project compiles without the DOM library). */
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null } | null;
  querySelectorAll(selector: string): { readonly length: number };
};

let runner: ChildProcess;
let exited: Promise<number | null>;
let context: BrowserContext;
let page: Page;
let profile: string;
let httpUrl: string;

beforeAll(async () => {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(main) || !existsSync(join(ROOT, 'dist', 'browser', 'client', 'browser.js'))) throw new Error('build first: npm run build (npm run test:browser does)');
  runner = spawn(process.execPath, [main, 'run', '--port', '0'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  exited = new Promise((done) => runner.once('exit', (code) => done(code)));
  const first = await new Promise<string>((done, fail) => {
    createInterface({ input: runner.stdout! }).once('line', done);
    void exited.then((code) => fail(new Error(`the runner exited (${code}) before listening`)));
  });
  httpUrl = first.replace(/^listening on ws:/, 'http:');
  profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir; headless adds --headless.
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 } });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${httpUrl}/`);
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  runner?.kill('SIGINT');
  expect(await exited).toBe(0);
});

const number = (text: string | null): number => Number((text ?? '').replace(/,/g, ''));

test('the synthetic provider appears, running', async () => {
  await page.waitForSelector('[data-host="synthetic"][data-state="running"]', { timeout: 30_000 });
  await expect(page.locator('#conn').textContent()).resolves.toBe('live');
  // The page's own session is listed and marked.
  await page.waitForSelector('#sessions .me', { timeout: 10_000 });
});

test('a pattern typed into the tail shows its messages, and the rates move', async () => {
  await page.fill('#tail-pattern', 'synthetic::btcusdt.*');
  await page.click('#tail-go');
  await page.waitForFunction(() => document.querySelectorAll('#tail-lines li').length >= 5, undefined, { timeout: 30_000 });
  const ids = await page.locator('#tail-lines li .id').allTextContents();
  expect(ids.every((id) => id.startsWith('synthetic::btcusdt.'))).toBe(true);
  await expect(page.locator('#tail-status').textContent()).resolves.toBe('Tailing synthetic::btcusdt.*');

  // Rates come from the change between two snapshots a second apart.
  await page.waitForFunction(() => Number(document.querySelector('[data-host="synthetic"] .rate')?.textContent ?? 0) > 0, undefined, { timeout: 30_000 });
  await page.waitForSelector('#streams [data-stream="synthetic::btcusdt.ticks"]', { timeout: 10_000 });
  const msgs = number(await page.locator('[data-host="synthetic"] td').nth(4).textContent());
  await page.waitForFunction((before) => Number((document.querySelector('[data-host="synthetic"] td:nth-child(5)')?.textContent ?? '0').replace(/,/g, '')) > before, msgs, { timeout: 30_000 });
  expect(number(await page.locator('[data-total="delivered/s"]').textContent())).toBeGreaterThan(0);
});

test('pause freezes the tail while counting what it holds back; resume carries on', async () => {
  await page.click('#tail-pause');
  const frozen = await page.locator('#tail-lines li').allTextContents();
  await page.waitForFunction(() => /^Paused: \d+ messages not shown\.$/.test(document.querySelector('#tail-status')?.textContent ?? ''), undefined, { timeout: 30_000 });
  expect(await page.locator('#tail-lines li').allTextContents()).toEqual(frozen);
  await page.click('#tail-pause');
  await page.waitForFunction((first) => document.querySelector('#tail-lines li')?.textContent !== first, frozen[0], { timeout: 30_000 });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'page.png') });
});
