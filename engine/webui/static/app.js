// fetchd's live page. Task state comes only from the tasks dialect of
// GET /api/ws: SYNC_ALL replaces the map, later messages patch it in order.
// The DOM keeps one row per task id; changes are collected and written once
// per animation frame, touching only the rows whose task changed. What the
// toolbar asks for (search, state, sort) only hides and orders rows.

import { addSpeedSample, initSettings } from './panels.js';
import { initAddForm } from './add.js';
import { ApiError, api, authHeaders, getToken, saveFile, storeToken, whenUnauthorized } from './api.js';
import {
  $, displayName, formatBytes, formatDuration, formatSpeed, parts, setAttr, setHidden, setProgress, setText,
} from './util.js';

// ---- rules and settings -------------------------------------------------

// The states each action is allowed from (PROTOCOL.md, "States"); delete is
// allowed from any.
const ALLOWED_FROM = {
  pause: ['QUEUED', 'STARTING', 'DOWNLOADING', 'WAITING'],
  resume: ['PAUSED'],
  cancel: ['QUEUED', 'STARTING', 'DOWNLOADING', 'WAITING', 'PAUSED'],
  retry: ['FAILED', 'CANCELLED', 'COMPLETED'],
  delete: null,
  'delete-files': null,
  file: ['COMPLETED'],
  details: null,
};
const ACTIVE_STATES = ['STARTING', 'DOWNLOADING'];

const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 15000;
const MAX_ATTEMPTS = 10;
const CONFIRM_MS = 3000;
const NOTICE_MS = 6000;
const LIBRARY_DEBOUNCE_MS = 200;
const STANDALONE = ''; // the group key of tasks without a batch

// ---- state ----------------------------------------------------------------

const tasks = new Map(); // id -> task, exactly as the server last described it

const view = {
  rows: new Map(), // task id -> {el, group (its key), parts, buttons}
  groups: new Map(), // group key -> {el, ids: Set of task ids, parts, buttons}
  dirtyTasks: new Set(),
  dirtyGroups: new Set(),
  frame: 0,
  arranged: false, // rows hidden and ordered as the toolbar asks
  selected: new Set(), // task ids ticked for the selection's actions
  open: new Set(), // task ids whose details are shown
};

// The toolbar's sort orders, each a comparison of two tasks.
const STATE_ORDER = ['DOWNLOADING', 'STARTING', 'WAITING', 'QUEUED', 'PAUSED', 'FAILED', 'CANCELLED', 'COMPLETED'];
const SORTS = {
  added: byCreation,
  name: (a, b) => displayName(a).localeCompare(displayName(b)),
  progress: (a, b) => percentOf(b) - percentOf(a),
  size: (a, b) => (b.size || 0) - (a.size || 0),
  state: (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state),
};

const conn = {
  ws: null,
  attempt: 0, // reconnect attempts since the last successful connection
  timer: 0,
  synced: false,
  // Where the page is in the server's stream: a reconnect resumes from it
  // (?since=) and gets only what it missed, not a whole SYNC_ALL.
  epoch: '',
  seq: 0,
};

const library = { items: [], timer: 0 };

// ---- small helpers --------------------------------------------------------

function isAllowed(action, state) {
  const from = ALLOWED_FROM[action];
  return from === null || from.includes(state);
}

function percentOf(t) {
  return t.state === 'COMPLETED' ? 100 : Math.max(0, Math.min(100, t.progress || 0));
}

function groupKeyOf(t) {
  return t.batch_id || STANDALONE;
}

// byCreation orders tasks oldest first; RFC 3339 with trimmed fractions
// does not sort as text, so the times are parsed.
function byCreation(a, b) {
  return Date.parse(a.created_at) - Date.parse(b.created_at);
}

// ---- applying the tasks dialect -------------------------------------------

function onMessage(msg) {
  if (msg.type === 'SYNC_ALL') conn.epoch = msg.epoch || '';
  if (typeof msg.seq === 'number') conn.seq = msg.seq;
  if (!conn.synced && msg.type !== 'SYNC_ALL') markSynced(); // a resumed stream
  switch (msg.type) {
    case 'SYNC_ALL':
      applySyncAll(msg.tasks || []);
      break;
    case 'TASK_ADDED':
      putTask(msg.task);
      break;
    case 'TASK_UPDATED':
      patchTask(msg.task);
      break;
    case 'TASK_BATCH_UPDATE':
      for (const partial of msg.tasks || []) patchTask(partial);
      break;
    case 'TASK_REMOVED':
      removeTask(msg.task_id);
      break;
    case 'ENGINE_STATS':
      renderStats(msg.stats);
      addSpeedSample(msg.stats?.total_speed);
      break;
    case 'LIBRARY_ITEM_ADDED':
    case 'LIBRARY_ITEM_UPDATED':
    case 'LIBRARY_ITEM_REMOVED':
      scheduleLibraryLoad();
      break;
    case 'ERROR':
      showNotice(`Server: ${msg.message}`);
      break;
  }
}

// applySyncAll makes the map exactly the server's: tasks it does not list go.
function applySyncAll(list) {
  const seen = new Set(list.map((t) => t.id));
  for (const id of tasks.keys()) {
    if (!seen.has(id)) removeTask(id);
  }
  for (const t of [...list].sort(byCreation)) putTask(t);
  markSynced();
}

function putTask(t) {
  tasks.set(t.id, t);
  markDirty(t.id);
}

// patchTask merges a partial task (id plus changed fields) into the map.
function patchTask(partial) {
  const cur = tasks.get(partial.id);
  if (!cur) return; // the stream orders every change after the task's creation
  tasks.set(partial.id, Object.assign(cur, partial));
  markDirty(partial.id);
}

function removeTask(id) {
  view.selected.delete(id);
  view.open.delete(id);
  if (tasks.delete(id)) markDirty(id);
}

// ---- rendering the tasks, once per frame ----------------------------------

function markDirty(id) {
  view.dirtyTasks.add(id);
  scheduleRender();
}

function scheduleRender() {
  if (!view.frame) view.frame = requestAnimationFrame(render);
}

function render() {
  view.frame = 0;
  for (const id of view.dirtyTasks) renderTask(id);
  view.dirtyTasks.clear();
  const changed = view.dirtyGroups.size > 0;
  for (const key of view.dirtyGroups) renderGroup(key);
  view.dirtyGroups.clear();
  if (changed || !view.arranged) arrange();
  setHidden($('#tasks-empty'), tasks.size > 0);
  renderCounts();
}

// rearrange applies the toolbar at the next frame.
function rearrange() {
  view.arranged = false;
  scheduleRender();
}

// arrange hides the rows the toolbar filters out and orders the others
// within their group; a group with no row shown is hidden.
function arrange() {
  view.arranged = true;
  const query = $('#search').value.trim().toLowerCase();
  const states = $('#state-filter').value.split(',').filter(Boolean);
  const sort = SORTS[$('#sort').value] || byCreation;
  let shown = 0;
  for (const group of view.groups.values()) {
    const members = [...group.ids].map((id) => tasks.get(id)).filter(Boolean).sort(sort);
    let visible = 0;
    for (const [i, t] of members.entries()) {
      const el = view.rows.get(t.id).el;
      const match = (!states.length || states.includes(t.state)) && (!query || searchText(t).includes(query));
      setHidden(el, !match);
      visible += match;
      if (group.parts.list.children[i] !== el) group.parts.list.insertBefore(el, group.parts.list.children[i] || null);
    }
    setHidden(group.el, visible === 0);
    shown += visible;
  }
  const filtering = Boolean(query || states.length);
  setText($('#filter-count'), filtering ? `${shown} of ${tasks.size} shown` : '');
  setHidden($('#nothing-matches'), !filtering || shown > 0 || tasks.size === 0);
  renderSelection();
}

function searchText(t) {
  return `${displayName(t)} ${t.url} ${t.batch_name || ''} ${t.category || ''}`.toLowerCase();
}

// renderCounts shows the states the engine's figures fold into others.
function renderCounts() {
  const count = (state) => [...tasks.values()].filter((t) => t.state === state).length;
  for (const el of document.querySelectorAll('[data-count]')) setText(el, String(count(el.dataset.count)));
}

function renderTask(id) {
  const t = tasks.get(id);
  if (!t) {
    removeRow(id);
    return;
  }
  const row = view.rows.get(id) || createRow(t);
  updateRow(row, t);
  view.dirtyGroups.add(row.group);
}

function createRow(t) {
  const el = $('#task-template').content.firstElementChild.cloneNode(true);
  el.dataset.taskId = t.id;
  const group = ensureGroup(groupKeyOf(t), t);
  const row = { el, group: groupKeyOf(t), parts: parts(el), buttons: el.querySelectorAll('.actions [data-action]') };
  row.parts.details.id = `details-${t.id}`;
  row.parts.detailsButton = el.querySelector('[data-action="details"]');
  row.parts.detailsButton.setAttribute('aria-controls', row.parts.details.id);
  group.parts.list.append(el);
  group.ids.add(t.id);
  view.rows.set(t.id, row);
  return row;
}

function updateRow(row, t) {
  const { el, parts: p } = row;
  const percent = percentOf(t);
  const active = ACTIVE_STATES.includes(t.state);
  const name = displayName(t);
  setAttr(el, 'data-state', t.state);
  setText(p.name, name);
  setAttr(p.name, 'title', t.url);
  setAttr(p.select, 'aria-label', `Select ${name}`);
  p.select.checked = view.selected.has(t.id);
  setText(p.state, stateLabel(t));
  setProgress(p.bar, percent);
  setText(p.percent, `${percent.toFixed(1)}%`);
  setText(p.bytes, t.size ? `${formatBytes(t.downloaded)} of ${formatBytes(t.size)}` : formatBytes(t.downloaded));
  setText(p.speed, active ? formatSpeed(t.speed) : '');
  setText(p.eta, active && t.eta > 0 ? `ETA ${formatDuration(t.eta)}` : '');
  setText(p.error, t.state === 'COMPLETED' ? '' : t.error_message || '');
  for (const b of row.buttons) {
    setHidden(b, !isAllowed(b.dataset.action, t.state));
    if (!b.dataset.armed) setAttr(b, 'aria-label', buttonName(b, name));
  }
  const open = view.open.has(t.id);
  setAttr(p.detailsButton, 'aria-expanded', String(open));
  setHidden(p.details, !open);
  if (open) renderDetails(p.details, t);
}

// buttonName says which file a button acts on, so that thirty "Retry"
// buttons read apart: "Retry report.pdf".
function buttonName(button, name) {
  const label = button.dataset.label || button.textContent;
  return label.includes('{}') ? label.replace('{}', name) : `${label} ${name}`;
}

// renderDetails lists what a row has no room for; header values come as
// the daemon shows them, secrets redacted.
function renderDetails(dl, t) {
  const folder = t.destination ? `${t.destination}/` : '';
  const fields = [
    ['URL', t.url],
    ['Path', t.filename ? `${folder}${t.filename}` : `${folder}(named when the origin answers)`],
    ['Size', t.size ? `${formatBytes(t.size)} (${t.size} bytes)` : 'unknown yet'],
    ['Batch', t.batch_name || ''],
    ['Category', t.category || ''],
    ['Priority', String(t.priority ?? 0)],
    ['Connections', t.connections ? `${t.segments || 0} open of ${t.connections}` : ''],
    ['Speed limit', t.speed_limit ? formatSpeed(t.speed_limit) : ''],
    ['Next retry', t.state === 'WAITING' && t.wait_until ? new Date(t.wait_until).toLocaleString() : ''],
    ['Retries', t.retry_count ? String(t.retry_count) : ''],
    ['Checksum', t.checksum || ''],
    ['Added', t.created_at ? new Date(t.created_at).toLocaleString() : ''],
    ['Completed', t.completed_at ? new Date(t.completed_at).toLocaleString() : ''],
    ...Object.entries(t.headers || {}).map(([k, v]) => [`Header ${k}`, v]),
    ['Error', t.error_message || ''],
  ].filter(([, v]) => v);
  const key = JSON.stringify(fields);
  if (dl.dataset.key === key) return;
  dl.dataset.key = key;
  dl.replaceChildren(...fields.flatMap(([k, v]) => [textElement('dt', k), textElement('dd', v)]));
}

function textElement(tag, text) {
  const e = document.createElement(tag);
  e.textContent = text;
  return e;
}

function stateLabel(t) {
  const state = t.state.toLowerCase();
  return t.retry_count > 0 && t.state !== 'COMPLETED' ? `${state} · retry ${t.retry_count}` : state;
}

function removeRow(id) {
  const row = view.rows.get(id);
  if (!row) return;
  row.el.remove();
  view.rows.delete(id);
  view.groups.get(row.group)?.ids.delete(id);
  view.dirtyGroups.add(row.group);
}

// ensureGroup returns the section of a batch (or of the standalone tasks),
// creating it at the end of the list; standalone tasks come first.
function ensureGroup(key, t) {
  let group = view.groups.get(key);
  if (group) return group;
  const el = $('#group-template').content.firstElementChild.cloneNode(true);
  group = { el, ids: new Set(), parts: parts(el), buttons: el.querySelectorAll('[data-action]') };
  if (key === STANDALONE) {
    el.dataset.group = 'standalone';
    group.parts.actions.hidden = true;
    setText(group.parts.title, 'Single downloads');
    $('#groups').prepend(el);
  } else {
    el.dataset.group = 'batch';
    el.dataset.batchId = key;
    setText(group.parts.title, t.batch_name || 'Batch');
    for (const b of group.buttons) b.setAttribute('aria-label', buttonName(b, `batch ${t.batch_name || key}`));
    $('#groups').append(el);
  }
  view.groups.set(key, group);
  return group;
}

function renderGroup(key) {
  const group = view.groups.get(key);
  if (!group) return;
  if (group.ids.size === 0) {
    group.el.remove();
    view.groups.delete(key);
    return;
  }
  const members = [...group.ids].map((id) => tasks.get(id)).filter(Boolean);
  const percent = batchPercent(members);
  const done = members.filter((t) => t.state === 'COMPLETED').length;
  setAttr(group.el, 'data-state', batchState(members));
  setText(group.parts.summary, `${members.length} item${members.length === 1 ? '' : 's'} · ${done} done · ${percent.toFixed(1)}%`);
  setProgress(group.parts.bar, percent);
  for (const b of group.buttons) setHidden(b, !members.some((t) => isAllowed(b.dataset.action, t.state)));
}

// batchPercent averages the items, each counting at most 100 % and an item
// of unknown size 0 until it completes, so a batch does not look done early.
function batchPercent(members) {
  let sum = 0;
  for (const t of members) sum += percentOf(t);
  return members.length ? sum / members.length : 0;
}

// batchState follows BatchSummary's rule in PROTOCOL.md.
function batchState(members) {
  const has = (...states) => members.some((t) => states.includes(t.state));
  if (has('FAILED')) return 'FAILED';
  if (has(...ACTIVE_STATES)) return 'DOWNLOADING';
  if (has('PAUSED')) return 'PAUSED';
  if (members.every((t) => t.state === 'COMPLETED')) return 'COMPLETED';
  return 'QUEUED';
}

function renderStats(stats) {
  if (!stats) return;
  for (const el of document.querySelectorAll('[data-stat]')) {
    const v = stats[el.dataset.stat];
    setText(el, el.dataset.stat === 'total_speed' ? formatSpeed(v) : String(v ?? '–'));
  }
}

// ---- task and batch actions -----------------------------------------------

async function onGroupsClick(ev) {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const action = button.dataset.action;
  const row = button.closest('[data-task-id]');
  const group = button.closest('[data-batch-id]');
  if (action === 'details') {
    toggleDetails(row.dataset.taskId);
    return;
  }
  if (action.startsWith('delete') && !confirmed(button)) return;
  try {
    if (row && action === 'file') await saveFile(row.dataset.taskId, displayName(tasks.get(row.dataset.taskId)));
    else if (row) await taskAction(row.dataset.taskId, action);
    else if (group) await batchAction(group.dataset.batchId, action);
  } catch (err) {
    showNotice(err.message);
  }
}

function toggleDetails(id) {
  if (!view.open.delete(id)) view.open.add(id);
  markDirty(id);
}

// taskAction runs one action; delete-files is delete with the file.
function taskAction(id, action) {
  const path = `/api/downloads/${encodeURIComponent(id)}`;
  if (action === 'delete') return api('DELETE', path);
  if (action === 'delete-files') return api('DELETE', `${path}?delete_files=true`);
  return api('POST', `${path}/${action}`);
}

function batchAction(id, action) {
  const path = `/api/downloads/batch/${encodeURIComponent(id)}`;
  if (action === 'delete') return api('DELETE', path);
  if (action === 'delete-files') return api('DELETE', `${path}?delete_files=true`);
  return api('POST', `${path}/${action}`);
}

// confirmed asks for a second click within a few seconds before a delete.
function confirmed(button) {
  if (button.dataset.armed) return true;
  const label = button.textContent;
  const name = button.getAttribute('aria-label');
  button.dataset.armed = '1';
  button.textContent = 'Sure?';
  if (name) button.setAttribute('aria-label', `Sure? ${name}`);
  setTimeout(() => {
    delete button.dataset.armed;
    button.textContent = label;
    if (name) button.setAttribute('aria-label', name);
  }, CONFIRM_MS);
  return false;
}

// ---- the selection and the toolbar ------------------------------------------

function onSelectChange(ev) {
  const box = ev.target.closest('input[data-part="select"]');
  const row = box?.closest('[data-task-id]');
  if (!row) return;
  if (box.checked) view.selected.add(row.dataset.taskId);
  else view.selected.delete(row.dataset.taskId);
  renderSelection();
}

// shownIds are the tasks the toolbar lets through, in no particular order.
function shownIds() {
  return [...view.rows].filter(([, row]) => !row.el.hidden).map(([id]) => id);
}

function onSelectAll(ev) {
  const ids = shownIds();
  for (const id of ids) {
    if (ev.target.checked) view.selected.add(id);
    else view.selected.delete(id);
    markDirty(id);
  }
  renderSelection();
}

function renderSelection() {
  const n = view.selected.size;
  const shown = shownIds();
  const all = $('#select-all');
  all.checked = shown.length > 0 && shown.every((id) => view.selected.has(id));
  all.indeterminate = !all.checked && shown.some((id) => view.selected.has(id));
  setHidden($('#selection'), n === 0);
  setText($('#selection-count'), `${n} selected`);
}

// onSelectionClick runs an action on every selected task it is allowed for.
async function onSelectionClick(ev) {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const action = button.dataset.action;
  if (action === 'clear') {
    for (const id of view.selected) markDirty(id);
    view.selected.clear();
    renderSelection();
    return;
  }
  if (action.startsWith('delete') && !confirmed(button)) return;
  const ids = [...view.selected].filter((id) => tasks.has(id) && isAllowed(action, tasks.get(id).state));
  const results = await Promise.allSettled(ids.map((id) => taskAction(id, action)));
  const refused = results.filter((r) => r.status === 'rejected');
  if (refused.length) showNotice(`${refused.length} of ${ids.length} refused: ${refused[0].reason.message}`);
}

async function onAllClick(action) {
  try {
    const { affected } = await api('POST', `/api/downloads/${action}`);
    showNotice(`${action === 'pause-all' ? 'Paused' : 'Resumed'} ${affected}.`, 'info');
  } catch (err) {
    showNotice(err.message);
  }
}

function batchIdByName(name) {
  for (const t of tasks.values()) {
    if (t.batch_id && t.batch_name === name) return t.batch_id;
  }
  return '';
}

// ---- the library ----------------------------------------------------------

function scheduleLibraryLoad() {
  clearTimeout(library.timer);
  library.timer = setTimeout(loadLibrary, LIBRARY_DEBOUNCE_MS);
}

async function loadLibrary() {
  try {
    const data = await api('GET', '/api/library');
    library.items = data.items || [];
    renderLibrary();
  } catch (err) {
    if (err instanceof ApiError) showNotice(`Library: ${err.message}`);
  }
}

function renderLibrary() {
  const list = $('#library');
  const fragment = document.createDocumentFragment();
  for (const item of library.items) fragment.append(libraryRow(item));
  list.replaceChildren(fragment);
  $('#library-empty').hidden = library.items.length > 0;
  setText($('[data-testid="library-total"]'), library.items.length ? `(${library.items.length})` : '');
}

function libraryRow(item) {
  const el = $('#library-template').content.firstElementChild.cloneNode(true);
  const p = parts(el);
  const fav = el.querySelector('[data-action="favorite"]');
  el.dataset.libraryId = item.id;
  el.dataset.favorite = String(item.favorite);
  fav.textContent = item.favorite ? '★' : '☆';
  fav.setAttribute('aria-pressed', String(item.favorite));
  fav.setAttribute('aria-label', `Favorite ${item.title}`);
  el.querySelector('[data-action="delete"]').setAttribute('aria-label', `Delete ${item.title} from the library`);
  p.title.textContent = item.title;
  const files = item.files.length;
  p.meta.textContent = `${formatBytes(item.size)} · ${files} file${files === 1 ? '' : 's'} · ${item.status}`;
  return el;
}

async function onLibraryClick(ev) {
  const button = ev.target.closest('button[data-action]');
  const row = button?.closest('[data-library-id]');
  if (!row) return;
  const id = encodeURIComponent(row.dataset.libraryId);
  try {
    if (button.dataset.action === 'favorite') {
      await api('PATCH', `/api/library/${id}`, { favorite: row.dataset.favorite !== 'true' });
    } else if (button.dataset.action === 'delete' && confirmed(button)) {
      await api('DELETE', `/api/library/${id}`);
    }
  } catch (err) {
    showNotice(err.message);
  }
}

// ---- the connection -------------------------------------------------------

function wsURL() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams();
  const token = getToken();
  if (token) params.set('token', token);
  if (conn.epoch) params.set('since', `${conn.epoch}:${conn.seq}`);
  const query = params.size ? `?${params}` : '';
  return `${scheme}//${location.host}/api/ws${query}`;
}

function connect() {
  clearTimeout(conn.timer);
  conn.ws?.close();
  const ws = new WebSocket(wsURL());
  conn.ws = ws;
  conn.synced = false;
  ws.onmessage = (ev) => ws === conn.ws && onMessage(JSON.parse(ev.data));
  ws.onclose = () => ws === conn.ws && onClose();
}

function markSynced() {
  const first = !conn.synced;
  conn.synced = true;
  conn.attempt = 0;
  setIndicator('connected', 'connected');
  if (first) {
    loadStats();
    loadLibrary(); // it may have changed while the page was away
  }
}

// loadStats fills the header at once instead of at the next ENGINE_STATS.
async function loadStats() {
  try {
    renderStats(await api('GET', '/api/downloads/stats'));
  } catch {
    // ENGINE_STATS follows within 2 s
  }
}

async function onClose() {
  const wasSynced = conn.synced;
  conn.ws = null;
  conn.synced = false;
  if (wasSynced) conn.attempt = 0;
  else if (await refusedForToken()) return;
  if (!conn.ws) scheduleReconnect(); // unless the user reconnected meanwhile
}

// refusedForToken tells whether the daemon wants a (different) token: a
// browser does not see the status of a refused upgrade, so REST is asked.
async function refusedForToken() {
  try {
    const res = await fetch('/api/downloads/stats', { headers: authHeaders() });
    if (res.status !== 401) return false;
  } catch {
    return false; // the daemon is unreachable, which is not an auth problem
  }
  askForToken();
  return true;
}

function scheduleReconnect() {
  conn.attempt++;
  if (conn.attempt > MAX_ATTEMPTS) {
    setIndicator('offline', 'offline');
    return;
  }
  setIndicator('reconnecting', `reconnecting · attempt ${conn.attempt}`);
  conn.timer = setTimeout(connect, backoffDelay(conn.attempt));
}

// backoffDelay doubles from 500 ms up to 15 s, with ±25 % jitter.
function backoffDelay(attempt) {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
  return Math.min(BACKOFF_CAP_MS, base * (0.75 + Math.random() * 0.5));
}

function setIndicator(state, text) {
  const el = $('[data-testid="conn-indicator"]');
  setAttr(el, 'data-state', state);
  setAttr(document.body, 'data-conn', state);
  setText(el, text);
  $('#reconnect').hidden = state !== 'offline';
}

function reconnectNow() {
  conn.attempt = 0;
  setIndicator('connecting', 'connecting…');
  connect();
}

// ---- the token ------------------------------------------------------------

// askForToken shows the token form once; it stays until a token is given.
function askForToken() {
  const form = $('#token-form');
  setText(parts(form).message, getToken() ? 'The daemon refused this token.' : '');
  if (!conn.synced) {
    clearTimeout(conn.timer);
    setIndicator('unauthorized', 'token needed');
  }
  if (!form.hidden) return;
  form.hidden = false;
  form.elements.token.focus();
}

function onTokenSubmit(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  storeToken(form.elements.token.value.trim());
  form.reset();
  form.hidden = true;
  reconnectNow();
}

// ---- notices --------------------------------------------------------------

// showNotice shows an error, or with kind 'info' a plain message.
function showNotice(text, kind = 'error') {
  const el = $('#notice');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(showNotice.timer);
  showNotice.timer = setTimeout(() => (el.hidden = true), NOTICE_MS);
}

// ---- start ----------------------------------------------------------------

function start() {
  whenUnauthorized(askForToken);
  $('#groups').addEventListener('click', onGroupsClick);
  $('#groups').addEventListener('change', onSelectChange);
  $('#library').addEventListener('click', onLibraryClick);
  initAddForm($('#add-form'), batchIdByName);
  initSettings();
  for (const id of ['#search', '#state-filter', '#sort']) $(id).addEventListener('input', rearrange);
  $('#select-all').addEventListener('change', onSelectAll);
  $('#selection').addEventListener('click', onSelectionClick);
  $('#pause-all').addEventListener('click', () => onAllClick('pause-all'));
  $('#resume-all').addEventListener('click', () => onAllClick('resume-all'));
  $('#token-form').addEventListener('submit', onTokenSubmit);
  $('#reconnect').addEventListener('click', reconnectNow);
  connect();
}

start();
