// The REST API and the token it needs.

const TOKEN_KEY = 'fetchd.token';

let token = readStoredToken();
let onUnauthorized = () => {};

function readStoredToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function getToken() {
  return token;
}

export function storeToken(value) {
  token = value;
  try {
    localStorage.setItem(TOKEN_KEY, value);
  } catch {
    // storage disabled: the token lasts for this page only
  }
}

// whenUnauthorized sets what a 401 does (the page asks for the token).
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function authHeaders() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function errorOf(res, what) {
  if (res.status === 401) onUnauthorized();
  const data = await res.json().catch(() => null);
  return new ApiError(res.status, (data && data.message) || `${what}: ${res.status}`);
}

// api calls the REST API and returns the decoded answer (null for 204).
export async function api(method, path, body) {
  const headers = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res, `${method} ${path}`);
  if (res.status === 204) return null;
  return res.json().catch(() => null);
}

// saveFile fetches a completed task's file with the token in a header (a
// plain link could not carry it) and hands it to the browser as a download.
// The file passes through memory as a blob.
export async function saveFile(id, name) {
  const path = `/api/downloads/${encodeURIComponent(id)}/file`;
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw await errorOf(res, `GET ${path}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
