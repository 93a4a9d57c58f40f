// The browser test of fetchd's web page. go test ./engine/webui/ runs it; by
// hand: npm ci, then FETCHD_BIN=... FILE_URL=... SLOW_URL=... WORK_DIR=...
// node page.test.mjs
//
// It starts the daemon on a free loopback port and drives the page in
// headless Chromium: a download whose bar moves to COMPLETED, the library, a
// pause and resume from a row's buttons, a network blink (through a proxy
// that drops every connection) the page must resume from without a second
// SYNC_ALL, a daemon restart the page must
// reconnect through and resynchronise from (checked against GET
// /api/downloads), a restart with --token, the page's tools (keyboard use,
// saving a file, details, many rows with named buttons, search, filter,
// sort, selection, settings, pause-all, the speed graph, delete with files,
// 375 px and dark mode, with screenshots), and ten failed reconnects after
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
  const need = ['FETCHD_BIN', 'FILE_URL', 'SLOW_URL', 'REPORT_URL', 'SLOW2_URL', 'WORK_DIR'];
  const missing = need.filter((k) => !process.env[k]);
  if (missing.length) {
    console.error(`page.test: missing environment: ${missing.join(', ')}`);
    process.exit(2);
  }
  const e = Object.fromEntries(need.map((k) => [k, process.env[k]]));
  e.SCREENSHOT = process.env.SCREENSHOT || path.join(e.WORK_DIR, 'screenshot.png');
  e.SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || e.WORK_DIR;
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

// blinkProxy forwards a port to the daemon's and can drop every connection
// through it at once: a network blink, with the daemon still up.
async function blinkProxy(port) {
  const sockets = new Set();
  const srv = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${srv.address().port}`,
    blink() {
      for (const s of sockets) s.destroy();
    },
    close() {
      this.blink();
      srv.close();
    },
  };
}

// resumesAfterBlink: a page whose connection drops gets what it missed on
// reconnecting (?since=), not a second SYNC_ALL, and matches the server.
async function resumesAfterBlink(page, base, port) {
  const proxy = await blinkProxy(port);
  const p = await context.newPage();
  const syncs = [];
  const urls = [];
  p.on('websocket', (ws) => {
    urls.push(ws.url());
    ws.on('framereceived', (f) => {
      try {
        if (JSON.parse(f.payload).type === 'SYNC_ALL') syncs.push(ws.url());
      } catch {
        // not JSON: not ours to count
      }
    });
  });
  await p.goto(`${proxy.base}/`);
  await waitIndicator(p, 'connected');
  check(syncs.length === 1, `a new page should get one SYNC_ALL, got ${syncs.length}`);
  proxy.blink();
  await waitIndicator(p, 'reconnecting');
  const added = await api(base, '', 'POST', '/api/downloads', { url: `${env.REPORT_URL}?during=blink`, filename: 'missed-during-blink.pdf' });
  await waitIndicator(p, 'connected');
  await p.waitForSelector(`[data-task-id="${added.id}"]`);
  check(urls.length >= 2 && /[?&]since=[A-Za-z0-9]+%3A\d+/.test(urls.at(-1)), `the reconnect should ask to resume, asked ${urls.at(-1)}`);
  check(syncs.length === 1, `a resumed page should get no second SYNC_ALL, got ${syncs.length}`);
  await pageMatchesServer(p, base);
  await p.close();
  proxy.close();
  log('page resumed after a blink without a second SYNC_ALL');
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

// ---- the page's tools, with the daemon behind a token -------------------------

const byName = (page, name) => page.locator('[data-task-id]').filter({ has: page.locator(`[data-part="name"]:text-is("${name}")`) });
const shownRows = (page) => page.locator('[data-task-id]:visible');

async function api(base, token, method, p, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${p}`, { method, headers, body: body && JSON.stringify(body) });
  check(res.ok, `${method} ${p}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

// keyboardAdd tabs to the add form, types a URL and submits with Enter,
// then saves the finished file and opens its details from the keyboard.
async function keyboardAdd(page) {
  await page.getByText('Request options').click();
  await page.getByTestId('add-headers').fill('Cookie: session=very-secret\nReferer: https://example.com/');
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.dataset.testid === 'add-url')) break;
  }
  check(await page.evaluate(() => document.activeElement?.dataset.testid === 'add-url'), 'Tab should reach the add form');
  await page.keyboard.type(env.REPORT_URL);
  await page.keyboard.press('Enter');
  const r = byName(page, 'report.pdf');
  await r.and(page.locator('[data-state="COMPLETED"]')).waitFor({ timeout: 15_000 });
  log('report.pdf added from the keyboard and completed');

  await page.getByRole('button', { name: 'Save report.pdf', exact: true }).focus();
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const file = await download;
  check(file.suggestedFilename() === 'report.pdf', `the saved file should be report.pdf, is ${file.suggestedFilename()}`);
  const size = fs.statSync(await file.path()).size;
  check(size === 200 << 10, `the saved file should hold 204800 bytes, holds ${size}`);
  log('report.pdf saved through the page with the token');

  const details = page.getByRole('button', { name: 'Details of report.pdf', exact: true });
  await details.focus();
  await page.keyboard.press('Space');
  const list = r.getByTestId('task-details-list');
  await list.waitFor();
  const text = await list.innerText();
  check(text.includes(env.REPORT_URL) && text.includes('report.pdf'), `details should show the URL and path: ${text}`);
  check(text.includes('<redacted>') && !text.includes('very-secret'), `details should show the cookie redacted: ${text}`);
  check((await details.getAttribute('aria-expanded')) === 'true', 'the details button should say it is expanded');
  log('details shown by keyboard, the cookie redacted');
}

// manyRows adds thirty URLs at once as a batch; they fail (404) and each
// row's buttons must be told apart by name, and a row scrolled to painted.
async function manyRows(page) {
  const base = new URL(env.REPORT_URL).origin;
  const urls = Array.from({ length: 30 }, (_, i) => `${base}/missing/part-${String(i).padStart(2, '0')}.pdf`);
  await page.getByTestId('add-url').fill(urls.join('\n'));
  await page.getByTestId('add-batch').fill('broken');
  await page.getByTestId('add-submit').click();
  await waitUntil('thirty failed rows', async () => (await page.locator('[data-task-id][data-state="FAILED"]').count()) === 30);
  check((await page.getByRole('button', { name: 'Retry part-07.pdf', exact: true }).count()) === 1, 'one button should be named "Retry part-07.pdf"');
  check((await page.getByRole('checkbox', { name: 'Select part-07.pdf', exact: true }).count()) === 1, 'one checkbox should be named "Select part-07.pdf"');
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, input, select, textarea')]
      .filter((b) => b.checkVisibility() && b.type !== 'hidden')
      .filter((b) => !(b.getAttribute('aria-label') || b.labels?.[0]?.textContent || b.textContent).trim())
      .map((b) => b.outerHTML.slice(0, 80)),
  );
  check(unnamed.length === 0, `every control should have a name: ${unnamed.join(', ')}`);
  log('thirty rows from one submit; their buttons are named after their files');

  const last = byName(page, 'part-29.pdf');
  const painted = await last.evaluate((el) => {
    el.scrollIntoView();
    return new Promise((resolve) => requestAnimationFrame(() => resolve(el.checkVisibility({ contentVisibilityAuto: true }))));
  });
  check(painted, 'a row scrolled to should be rendered');
  const shot = await last.screenshot();
  check(shot.length > 2000, `a row scrolled to should be painted, its screenshot is ${shot.length} bytes`);
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function toolbar(page, base, token) {
  await page.getByRole('searchbox', { name: 'Search downloads' }).fill('part-1');
  await waitUntil('the search to leave 10 rows', async () => (await shownRows(page).count()) === 10);
  await page.getByTestId('search').fill('');
  await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'completed' });
  // The toolbar applies at the next frame: wait for it, then judge.
  const states = () => shownRows(page).evaluateAll((els) => els.map((e) => e.dataset.state));
  await waitUntil('only completed rows', async () => (await states()).every((s) => s === 'COMPLETED'), 2_000).catch(() => {});
  const completed = await states();
  check(completed.length >= 1 && completed.every((s) => s === 'COMPLETED'), `the completed filter shows ${completed}`);
  await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'failed' });
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption({ label: 'by name' });
  const names = () => shownRows(page).locator('[data-part="name"]').allTextContents();
  const sorted = (n) => n.length === 30 && n.join() === [...n].sort().join() && n[0] === 'part-00.pdf';
  await waitUntil('failed rows by name', async () => sorted(await names()), 2_000).catch(() => {});
  check(sorted(await names()), `sorted by name: ${await names()}`);
  log('search, state filter and sort by name work');

  await page.getByRole('checkbox', { name: 'select all shown' }).check();
  await page.getByTestId('selection').getByText('30 selected').waitFor();
  const del = page.getByTestId('selection-delete');
  await del.click();
  await del.click(); // the second click confirms
  await waitUntil('the selected rows to go', async () => (await page.locator('[data-task-id][data-state="FAILED"]').count()) === 0);
  check((await api(base, token, 'GET', '/api/downloads?state=FAILED')).total === 0, 'the daemon should have no failed task left');
  await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'every state' });
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption({ label: 'oldest first' });
  log('thirty rows selected and deleted at once');
}

async function pauseAllAndSettings(page, base, token) {
  const t = await api(base, token, 'POST', '/api/downloads', { url: env.SLOW2_URL });
  await waitRowState(page, t.id, 'DOWNLOADING');
  await page.getByRole('button', { name: 'Pause all' }).click();
  await waitRowState(page, t.id, 'PAUSED');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="stat-paused"]').textContent) >= 1);
  await page.getByRole('button', { name: 'Resume all' }).click();
  await waitRowState(page, t.id, 'DOWNLOADING');
  log('pause all and resume all; the header counted the paused');

  await page.getByText('Settings', { exact: true }).click();
  const form = page.getByTestId('settings-form');
  await waitUntil('the settings to load', async () => (await form.getByTestId('settings-max-concurrent').inputValue()) !== '');
  await form.getByRole('spinbutton', { name: 'Downloads at once' }).fill('4');
  await form.getByRole('textbox', { name: 'Speed limit' }).fill('2M');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await form.getByText('Saved.').waitFor();
  const s = await api(base, token, 'GET', '/api/settings');
  check(s.max_concurrent === 4 && s.speed_limit === 2 << 20, `settings after saving: ${JSON.stringify(s)}`);
  await form.getByRole('textbox', { name: 'Speed limit' }).fill('');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings', { exact: true }).click();
  log('settings saved through the page');
  await page.waitForSelector('#speed-graph[data-samples]:not([data-samples="1"])', { timeout: 10_000 });
  return t.id;
}

// looks checks 375 px and dark mode and takes the README's screenshots.
async function looks(page) {
  const dir = env.SCREENSHOT_DIR;
  fs.mkdirSync(dir, { recursive: true });
  await page.setViewportSize({ width: 1000, height: 720 });
  await page.getByText('Request options').click(); // closed: the downloads show
  await page.evaluate(() => document.getElementById('notice').hidden = true);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: path.join(dir, 'page-light.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  check(0.2126 * r + 0.7152 * g + 0.0722 * b < 60, `dark mode should give a dark background, gives ${bg}`);
  await page.screenshot({ path: path.join(dir, 'page-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.getByRole('button', { name: 'Details of report.pdf', exact: true }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 375, `at 375 px nothing should overflow, the page is ${width} px wide`);
  await page.screenshot({ path: path.join(dir, 'page-375.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  log(`375 px fits, dark mode is dark (${bg}); screenshots in ${dir}`);
}

async function deleteWithFile(page) {
  const file = path.join(env.WORK_DIR, 'downloads', 'report.pdf');
  check(fs.existsSync(file), `${file} should exist before the delete`);
  await page.getByRole('button', { name: 'Delete report.pdf with its file', exact: true }).click();
  await page.getByRole('button', { name: 'Sure? Delete report.pdf with its file', exact: true }).click();
  await byName(page, 'report.pdf').waitFor({ state: 'detached' });
  await waitUntil('report.pdf to leave the disk', async () => !fs.existsSync(file), 5_000);
  log('report.pdf deleted with its file');
}

async function tools(page, base, token) {
  await keyboardAdd(page);
  await manyRows(page);
  await toolbar(page, base, token);
  const slowId = await pauseAllAndSettings(page, base, token);
  await looks(page);
  await deleteWithFile(page);
  await api(base, token, 'DELETE', `/api/downloads/${slowId}?delete_files=true`);
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
  await resumesAfterBlink(page, base, port);
  await restart(page, base, port, fileId);
  await pageMatchesServer(page, base);
  check((await row(page, fileId).count()) === 0, 'the deleted task should have no row');
  await withToken(page, base, port);
  await tools(page, base, 'e2e-secret');
  await givesUp(page, base, port);
  await pageMatchesServer(page, base, 'e2e-secret');

  await page.screenshot({ path: env.SCREENSHOT, fullPage: true });
  log(`screenshot: ${env.SCREENSHOT}`);
  await cleanup();
  log('PASS');
  process.exit(0);
}

main().catch(fail);
