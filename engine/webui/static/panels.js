// The settings panel and the speed graph in the header.

import { api } from './api.js';
import { $, formatRate, formatSpeed, parseRate, setText } from './util.js';

// ---- settings ---------------------------------------------------------------

// initSettings loads the settings each time the panel opens, so that it
// shows what another client may have changed, and saves them with PUT.
export function initSettings() {
  const panel = $('#settings');
  const form = $('#settings-form');
  const message = form.querySelector('[data-part="message"]');
  panel.addEventListener('toggle', async () => {
    if (!panel.open) return;
    setText(message, '');
    try {
      fillSettings(form, await api('GET', '/api/settings'));
    } catch (err) {
      setText(message, err.message);
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      fillSettings(form, await api('PUT', '/api/settings', readSettings(form)));
      setText(message, 'Saved.');
    } catch (err) {
      setText(message, err.message);
    }
  });
}

function fillSettings(form, s) {
  form.elements.max_concurrent.value = s.max_concurrent;
  form.elements.connections.value = s.connections;
  form.elements.max_retries.value = s.max_retries;
  form.elements.speed_limit.value = formatRate(s.speed_limit);
}

function readSettings(form) {
  const f = form.elements;
  const limit = f.speed_limit.value.trim();
  return {
    max_concurrent: Number(f.max_concurrent.value),
    connections: Number(f.connections.value),
    max_retries: Number(f.max_retries.value),
    speed_limit: limit ? parseRate(limit) : 0,
  };
}

// ---- the speed graph ----------------------------------------------------------

const GRAPH_SAMPLES = 150; // five minutes of ENGINE_STATS, one every 2 s
const GRAPH_W = 150;
const GRAPH_H = 32;
const speeds = [];

// addSpeedSample draws the total speed of the last minutes as a line.
export function addSpeedSample(bytesPerSecond) {
  speeds.push(bytesPerSecond || 0);
  if (speeds.length > GRAPH_SAMPLES) speeds.shift();
  const max = Math.max(...speeds, 1);
  const step = GRAPH_W / (GRAPH_SAMPLES - 1);
  const x0 = GRAPH_W - (speeds.length - 1) * step; // newest at the right edge
  const points = speeds.map((v, i) => `${(x0 + i * step).toFixed(1)},${(GRAPH_H - 1 - (v / max) * (GRAPH_H - 2)).toFixed(1)}`);
  const graph = $('#speed-graph');
  graph.querySelector('polyline').setAttribute('points', points.join(' '));
  graph.dataset.samples = String(speeds.length);
  const label = `Total speed over the last ${Math.ceil((speeds.length * 2) / 60)} min, peak ${formatSpeed(max)}`;
  graph.setAttribute('aria-label', label);
  setText(graph.querySelector('title'), label);
}
