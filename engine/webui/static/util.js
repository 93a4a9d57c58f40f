// Small DOM and formatting helpers the page's modules share.

export const $ = (selector) => document.querySelector(selector);

export function parts(root) {
  const out = {};
  for (const el of root.querySelectorAll('[data-part]')) out[el.dataset.part] = el;
  return out;
}

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

export function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

// setProgress fills a bar to percent and tells assistive technology.
export function setProgress(bar, percent) {
  const value = percent.toFixed(1);
  if (bar.getAttribute('aria-valuenow') === value) return;
  bar.setAttribute('aria-valuenow', value);
  bar.firstElementChild.style.transform = `scaleX(${percent / 100})`;
}

export function formatBytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatSpeed(bytesPerSecond) {
  return `${formatBytes(Math.round(bytesPerSecond || 0))}/s`;
}

export function formatDuration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

// formatRate writes bytes/s the way parseRate reads it: 2M, 500K, 1000.
export function formatRate(n) {
  if (!n) return '';
  for (const [suffix, mult] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]]) {
    if (n % mult === 0) return `${n / mult}${suffix}`;
  }
  return String(n);
}

// parseRate reads bytes/s: a number, or one with K, M or G (1K = 1024).
export function parseRate(text) {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)$/i.exec(text);
  if (!m) throw new Error(`speed limit "${text}" is not like 500K, 2M or 1048576`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
  return Math.floor(Number(m[1]) * mult);
}

// parseHeaders reads one "Name: value" per line; the daemon checks them.
export function parseHeaders(text) {
  const headers = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at < 1) throw new Error(`header "${line.trim()}" is not "Name: value"`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

// displayName is the task's file name, or until the daemon has named the
// file, the URL's last path segment, decoded.
export function displayName(t) {
  if (t.filename) return t.filename;
  try {
    const segment = new URL(t.url).pathname.split('/').filter(Boolean).pop();
    if (segment) return decodeURIComponent(segment);
  } catch {
    // not a URL or a bad escape: the URL itself is the best name
  }
  return t.url;
}
