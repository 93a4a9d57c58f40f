// The browser test of fetchd's web page. go test ./engine/webui/ runs it; by
// hand: npm ci, then FETCHD_BIN=... FILE_URL=... SLOW_URL=... WORK_DIR=...
// node page.test.mjs
//
// It starts the daemon on a free loopback port and drives the page in
// headless Chromium: a download whose bar moves to COMPLETED, the library, a
// pause and resume from a row's buttons, a daemon restart the page must
// reconnect through and resynchronise from (checked against GET
// /api/downloads), a restart with --token, and ten failed reconnects after
// which the page gives up. Exit status 0 means it passed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TOTAL_TIMEOUT_MS = 90_000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const env = readEnv();
const started = Date.now();
let daemon = null; // {proc, exited: Promise, done, code}
let context = null; // the browser
let cleaningUp = false;

// ---- plumbing -------------------------------------------------------------

function readEnv() {
  const need = ['FETCHD_BIN', 'FILE_URL', 'SLOW_URL', 'WORK_DIR'];
  const missing = need.filter((k) => !process.env[k]);
  if (missing.length) {
    console.error(`page.test: missing environment: ${missing.join(', ')}`);
    process.exit(2);
  }
  const e = Object.fromEntries(need.map((k) => [k, process.env[k]]));
  e.SCREENSHOT = process.env.SCREENSHOT || path.join(e.WORK_DIR, 'screenshot.png');
  return e;
}

function log(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

class TestFailure extends Error {}

function check(cond, msg) {
  if (!cond) throw new TestFailure(msg);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// waitUntil polls fn until it returns a truthy value, which it returns.
async function waitUntil(what, fn, timeoutMs = 15_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new TestFailure(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  if (daemon && !daemon.done) {
    daemon.proc.kill('SIGTERM');
    await Promise.race([daemon.exited, sleep(5000)]);
    if (!daemon.done) daemon.proc.kill('SIGKILL');
  }
  if (context) await Promise.race([context.close().catch(() => {}), sleep(5000)]);
}

async function fail(err) {
  console.error(`\npage.test FAILED after ${((Date.now() - started) / 1000).toFixed(1)}s: ${err instanceof TestFailure ? err.message : err.stack || err}`);
  printDaemonLog();
  await cleanup();
  process.exit(1);
}

function printDaemonLog() {
  const file = path.join(env.WORK_DIR, 'daemon.log');
  if (!fs.existsSync(file)) return;
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  console.error(`--- last lines of ${file} ---\n${lines.slice(-25).join('\n')}`);
}

// ---- the daemon -----------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// daemonEnv is this environment without FETCHD_* variables, which the daemon
// would read as flags.
function daemonEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FETCHD_')));
}

async function startDaemon(base, port, extraArgs = []) {
  const out = fs.openSync(path.join(env.WORK_DIR, 'daemon.log'), 'a');
  const proc = spawn(
    env.FETCHD_BIN,
    [
      '--addr', `127.0.0.1:${port}`,
      '--data-dir', path.join(env.WORK_DIR, 'data'),
      '--download-dir', path.join(env.WORK_DIR, 'downloads'),
      '--log-level', 'info',
      ...extraArgs,
    ],
    { env: daemonEnv(), stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const d = { proc, done: false, code: null };
  d.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      d.done = true;
      d.code = code ?? signal;
      resolve(d.code);
    });
  });
  proc.on('error', (err) => fail(new TestFailure(`cannot start ${env.FETCHD_BIN}: ${err.message}`)));
  daemon = d;
  await waitUntil('the daemon to answer /api/health', async () => {
    check(!d.done, `the daemon exited during start-up with ${d.code}`);
    try {
      const res = await fetch(`${base}/api/health`);
      return res.ok;
    } catch {
      return false;
    }
  });
  log(`daemon up (pid ${proc.pid})`);
}

async function stopDaemon() {
  daemon.proc.kill('SIGTERM');
  const code = await Promise.race([daemon.exited, sleep(15_000).then(() => 'timeout')]);
  check(code === 0, `the daemon should exit 0 on SIGTERM, got ${code}`);
  log('daemon stopped with SIGTERM');
}

async function listDownloads(base, token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${base}/api/downloads?limit=1000`, { headers });
  check(res.ok, `GET /api/downloads: ${res.status}`);
  return (await res.json()).downloads;
}

// ---- the page -------------------------------------------------------------

async function openPage(base) {
  const profile = fs.mkdtempSync(path.join(env.WORK_DIR, 'chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => fail(new TestFailure(`script error on the page: ${err.message}`)));
  page.on('console', (m) => m.type() === 'error' && log(`console error: ${m.text()}`));
  await page.goto(`${base}/`);
  return page;
}

const indicator = (page) => page.getByTestId('conn-indicator');
const row = (page, id) => page.locator(`[data-task-id="${id}"]`);

async function waitIndicator(page, state, timeout = 20_000) {
  await page.waitForSelector(`[data-testid="conn-indicator"][data-state="${state}"]`, { timeout });
}

async function waitRowState(page, id, state, timeout = 30_000) {
  await page.waitForSelector(`[data-task-id="${id}"][data-state="${state}"]`, { timeout });
}

// addThroughForm submits the form and returns the id of the row that appears.
async function addThroughForm(page, url, batchName = '') {
  const before = new Set(await page.locator('[data-task-id]').evaluateAll((els) => els.map((e) => e.dataset.taskId)));
  const form = page.getByTestId('add-form');
  await form.getByTestId('add-url').fill(url);
  await form.getByTestId('add-batch').fill(batchName);
  await form.getByTestId('add-submit').click();
  return waitUntil(`a row for ${url}`, async () => {
    const ids = await page.locator('[data-task-id]').evaluateAll((els) => els.map((e) => e.dataset.taskId));
    return ids.find((id) => !before.has(id));
  });
}

// recordWidths notes the values the row's progress bar is given
// (aria-valuenow, one per update from the daemon) and, every frame, the drawn
// width of its fill as a share of the track, in whole per mille.
async function recordWidths(page, id) {
  await row(page, id).getByTestId('task-bar').evaluate((bar) => {
    const rec = (window.__bar = { values: [bar.getAttribute('aria-valuenow')], widths: [] });
    new MutationObserver(() => rec.values.push(bar.getAttribute('aria-valuenow'))).observe(bar, {
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
    const sample = () => {
      const w = Math.round((bar.firstElementChild.getBoundingClientRect().width * 1000) / bar.getBoundingClientRect().width);
      if (rec.widths.at(-1) !== w) rec.widths.push(w);
      if (w < 1000 && bar.isConnected) requestAnimationFrame(sample);
    };
    sample();
  });
}

async function pageRows(page) {
  return page.locator('[data-task-id]').evaluateAll((els) => els.map((e) => ({ id: e.dataset.taskId, state: e.dataset.state })));
}

function sameRows(a, b) {
  const key = (rows) => rows.map((r) => `${r.id}=${r.state}`).sort().join(',');
  return key(a) === key(b);
}

// ---- the scenario ---------------------------------------------------------

async function downloadWithProgress(page) {
  const id = await addThroughForm(page, env.FILE_URL);
  log(`FILE_URL added as ${id}`);
  await recordWidths(page, id);
  await waitRowState(page, id, 'COMPLETED');
  const { values, widths } = await page.evaluate(() => window.__bar);
  const steps = new Set(values.map(Number).filter((v) => v > 0 && v < 100));
  const drawn = new Set(widths.filter((w) => w > 0 && w < 1000));
  check(steps.size >= 2, `the progress bar should get two or more values between 0 and 100 before completion, got ${JSON.stringify(values)}`);
  check(drawn.size >= 2, `the progress bar should be drawn at two or more widths between empty and full, saw ${JSON.stringify(widths)}`);
  const percent = await row(page, id).getByTestId('task-percent').textContent();
  check(percent === '100.0%', `a completed row should read 100.0%, reads ${percent}`);
  await page.waitForFunction(() => window.__bar.widths.at(-1) === 1000); // drawn full
  log(`FILE_URL completed; bar values on the way: ${[...steps].join(' ')} (drawn at ${drawn.size} widths)`);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="stat-completed"]').textContent) >= 1);
  log(`header: ${(await page.getByTestId('stats').innerText()).replace(/\s+/g, ' ')}`);
  return id;
}

async function libraryFavorite(page) {
  const item = page.getByTestId('library-item').first();
  await item.waitFor();
  await item.getByTestId('library-favorite').click();
  await page.waitForSelector('[data-testid="library-item"][data-favorite="true"]');
  log('library item shown and marked favorite');
}

async function pauseAndResume(page) {
  const batchName = 'e2e batch';
  const id = await addThroughForm(page, env.SLOW_URL, batchName);
  log(`SLOW_URL added as ${id}`);
  const r = row(page, id);
  const group = await r.evaluate((el) => el.closest('[data-batch-id]')?.querySelector('[data-part="title"]').textContent);
  check(group === batchName, `SLOW_URL's row should sit in the group "${batchName}", sits in ${JSON.stringify(group)}`);
  await waitRowState(page, id, 'DOWNLOADING');
  check(await r.getByTestId('task-resume').isHidden(), 'a downloading row should not offer resume');
  await r.getByTestId('task-pause').click();
  await waitRowState(page, id, 'PAUSED');
  check(await r.getByTestId('task-pause').isHidden(), 'a paused row should not offer pause');
  log('SLOW_URL paused from its row');
  await r.getByTestId('task-resume').click();
  await page.waitForSelector(`[data-task-id="${id}"]:not([data-state="PAUSED"])`);
  log(`SLOW_URL resumed: ${await r.getAttribute('data-state')}`);
  return id;
}

async function restart(page, base, port, removeId) {
  await stopDaemon();
  await waitIndicator(page, 'reconnecting');
  await page.waitForFunction(() => /attempt [2-9]/.test(document.querySelector('[data-testid="conn-indicator"]').textContent));
  log(`page shows "${await indicator(page).textContent()}"`);
  await startDaemon(base, port);
  // Deleted before the page is back, most likely: the SYNC_ALL must drop its row.
  const res = await fetch(`${base}/api/downloads/${removeId}`, { method: 'DELETE' });
  check(res.status === 204, `DELETE ${removeId}: ${res.status}`);
  await waitIndicator(page, 'connected');
  log('page reconnected');
}

async function pageMatchesServer(page, base, token = '') {
  let server = [];
  let shown = [];
  try {
    await waitUntil('the rows on the page to equal GET /api/downloads', async () => {
      server = (await listDownloads(base, token)).map((t) => ({ id: t.id, state: t.state }));
      shown = await pageRows(page);
      return sameRows(server, shown);
    }, 10_000, 200);
  } catch (err) {
    throw new TestFailure(`${err.message}\n  server: ${JSON.stringify(server)}\n  page:   ${JSON.stringify(shown)}`);
  }
  log(`page rows equal the server's: ${shown.map((r) => r.state).join(', ')}`);
}

// withToken restarts the daemon with --token: the page must ask for it once,
// use it, and remember it across a reload.
async function withToken(page, base, port) {
  const token = 'e2e-secret';
  await stopDaemon();
  await startDaemon(base, port, ['--token', token]);
  await waitIndicator(page, 'unauthorized');
  const form = page.getByTestId('token-form');
  await form.waitFor();
  log('page asks for the token');
  await form.getByTestId('token-input').fill(token);
  await form.getByTestId('token-submit').click();
  await waitIndicator(page, 'connected');
  check(await form.isHidden(), 'the token form should go once the token is accepted');
  await pageMatchesServer(page, base, token);
  await page.reload();
  await waitIndicator(page, 'connected');
  check(await form.isHidden(), 'after a reload the stored token should be used without asking');
  await pageMatchesServer(page, base, token);
  await page.getByTestId('library-item').first().waitFor();
  log('token stored and used after a reload');
}

// givesUp stops the daemon and runs the page's clock forward: after ten
// failed attempts it must stop, show offline and a Reconnect button, and
// that button must bring it back once the daemon is up.
async function givesUp(page, base, port) {
  await page.clock.install();
  await stopDaemon();
  let attempts = 0;
  const count = () => attempts++;
  page.on('websocket', count);
  const text = () => indicator(page).textContent();
  for (let i = 0; i < 20 && (await text()) !== 'offline'; i++) {
    const before = await text();
    await page.clock.runFor(16_000); // past the longest back-off
    await waitUntil('the next reconnect attempt to fail', async () => (await text()) !== before, 5_000, 20);
  }
  page.off('websocket', count);
  await waitIndicator(page, 'offline', 1_000);
  check(attempts === 10, `the page should try ten times before it gives up, tried ${attempts} times`);
  const button = page.getByTestId('reconnect');
  check(await button.isVisible(), 'an offline page should offer the Reconnect button');
  log('page gave up after ten attempts and shows Reconnect');
  await startDaemon(base, port, ['--token', 'e2e-secret']);
  await button.click();
  await waitIndicator(page, 'connected');
  check(await button.isHidden(), 'the Reconnect button should go once connected');
  await page.getByTestId('library-item').first().waitFor();
  log('Reconnect button brought the page back');
}

async function main() {
  setTimeout(() => fail(new TestFailure(`global timeout of ${TOTAL_TIMEOUT_MS / 1000} s`)), TOTAL_TIMEOUT_MS).unref();
  process.on('SIGTERM', () => fail(new TestFailure('killed by SIGTERM')));
  process.on('SIGINT', () => fail(new TestFailure('interrupted')));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await startDaemon(base, port);
  const page = await openPage(base);
  await waitIndicator(page, 'connected');
  log('page connected');

  const fileId = await downloadWithProgress(page);
  await libraryFavorite(page);
  await pauseAndResume(page);
  await restart(page, base, port, fileId);
  await pageMatchesServer(page, base);
  check((await row(page, fileId).count()) === 0, 'the deleted task should have no row');
  await withToken(page, base, port);
  await givesUp(page, base, port);
  await pageMatchesServer(page, base, 'e2e-secret');

  await page.screenshot({ path: env.SCREENSHOT, fullPage: true });
  log(`screenshot: ${env.SCREENSHOT}`);
  await cleanup();
  log('PASS');
  process.exit(0);
}

main().catch(fail);
