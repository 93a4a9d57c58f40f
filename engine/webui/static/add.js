// The add form: one URL, or several (one a line) as separate tasks or, with
// a batch name, as one batch.

import { api } from './api.js';
import { parseHeaders, parseRate, setText } from './util.js';

// initAddForm wires the form; batchIdByName finds a batch the page shows.
export function initAddForm(form, batchIdByName) {
  form.addEventListener('submit', (ev) => onSubmit(ev, batchIdByName));
  // Enter submits as in a one-line field; Shift+Enter starts another line.
  form.elements.url.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
}

async function onSubmit(ev, batchIdByName) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const message = form.querySelector('[data-testid="add-message"]');
  setText(message, '');
  try {
    const added = await add(readForm(form), batchIdByName);
    setText(message, added);
    form.reset();
  } catch (err) {
    setText(message, err.message);
  }
}

// readForm returns the URLs and the options every one of them gets.
function readForm(form) {
  const data = new FormData(form);
  const text = (key) => (data.get(key) || '').trim();
  const urls = text('url').split('\n').map((u) => u.trim()).filter((u) => u && !u.startsWith('#'));
  if (!urls.length) throw new Error('Give a URL, or several, one a line.');
  const opts = {};
  for (const key of ['destination', 'category', 'username']) {
    if (text(key)) opts[key] = text(key);
  }
  if (data.get('password')) opts.password = data.get('password');
  if (text('priority')) opts.priority = text('priority');
  if (text('connections')) opts.connections = Number(text('connections'));
  if (text('speed_limit')) opts.speed_limit = parseRate(text('speed_limit'));
  const headers = parseHeaders(data.get('headers') || '');
  if (Object.keys(headers).length) opts.headers = headers;
  if (data.get('force')) opts.force = true;
  const one = { filename: text('filename'), checksum: text('checksum') };
  if (urls.length > 1 && (one.filename || one.checksum)) {
    throw new Error('A file name or a checksum belongs to one URL; leave them empty for several.');
  }
  return { urls, opts, one, batchName: text('batch_name') };
}

// add sends the request(s) and says what came of them.
async function add({ urls, opts, one, batchName }, batchIdByName) {
  const batchId = batchName ? batchIdByName(batchName) : '';
  if (urls.length === 1) {
    const req = { url: urls[0], ...opts };
    if (one.filename) req.filename = one.filename;
    if (one.checksum) req.checksum = one.checksum;
    if (batchId) req.batch_id = batchId;
    else if (batchName) req.batch_name = batchName;
    const t = await api('POST', '/api/downloads', req);
    return `Added ${t.filename || t.url}`;
  }
  if (batchName && !batchId) {
    const b = await api('POST', '/api/batches', { batch_name: batchName, ...opts, items: urls.map((url) => ({ url })) });
    return `Added batch ${b.batch_name} of ${b.tasks.length}`;
  }
  // Separate tasks (or items joining a shown batch): each may be refused alone.
  const results = await Promise.allSettled(
    urls.map((url) => api('POST', '/api/downloads', { url, ...opts, ...(batchId ? { batch_id: batchId } : {}) })),
  );
  const refused = results.filter((r) => r.status === 'rejected');
  const summary = `Added ${results.length - refused.length} of ${urls.length}`;
  if (!refused.length) return summary;
  throw new Error(`${summary}; refused: ${refused.map((r) => r.reason.message).join('; ')}`);
}
