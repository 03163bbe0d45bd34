/**
 * The pages' only way to the server: JSON over fetch, with the session's CSRF token on every change, the
 * access token as a bearer header on every call, and an AbortSignal so every long call can be cancelled.
 *
 * The token comes from the #token=… link chainproof serve prints (or is pasted by the user); it lives in
 * this tab's sessionStorage only. A 401 forgets it and tells the app (onUnauthorized) to ask for it.
 */

export interface Session {
  csrf: string;
  version: string;
  loopback: boolean;
  tokenRequired: boolean;
  allowPrivate: boolean;
  features: Record<string, boolean>;
  clients: { id: string; name: string }[];
  stores: { id: string; name: string; available: boolean }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const TOKEN_KEY = "chainproof.token";
let session: Session | undefined;
let unauthorized: (hadToken: boolean) => void = () => {};

/** The token in a #token=… fragment or a pasted link; undefined when there is none. */
function tokenOfLink(text: string): string | undefined {
  const m = /(?:#|&)token=([^&\s]+)/.exec(text);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** Take a token from the URL fragment (#token=…), keep it for this tab, and remove it from the address bar. */
export function adoptTokenFromFragment(): void {
  const t = tokenOfLink(location.hash);
  if (t === undefined) return;
  sessionStorage.setItem(TOKEN_KEY, t);
  history.replaceState(history.state, "", location.pathname + location.search);
}

/** Keep a pasted token (or the whole #token=… link) for this tab. */
export function setToken(text: string): void {
  const t = text.trim();
  sessionStorage.setItem(TOKEN_KEY, tokenOfLink(t) ?? t);
  session = undefined;
}

/** Called on every 401: the app shows the token prompt (hadToken: a token was sent and refused). */
export function onUnauthorized(fn: (hadToken: boolean) => void): void {
  unauthorized = fn;
}

function authHeaders(): Record<string, string> {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return t ? { authorization: `Bearer ${t}` } : {};
}

async function answer<T>(res: Response): Promise<T> {
  const type = res.headers.get("content-type") ?? "";
  if (res.status === 401) {
    const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    session = undefined;
    unauthorized(hadToken);
  }
  if (!res.ok) {
    let code = "http-error";
    let message = `the server answered ${res.status}`;
    let data: Record<string, unknown> = {};
    if (type.includes("json")) {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error) {
        code = body.error.code ?? code;
        message = body.error.message ?? message;
        data = body.error as Record<string, unknown>;
      }
    }
    throw new ApiError(res.status, code, message, data);
  }
  return (await res.json()) as T;
}

function wrapNetwork(e: unknown): never {
  if (e instanceof DOMException && e.name === "AbortError") throw e;
  if (e instanceof ApiError) throw e;
  throw new ApiError(0, "network", "cannot reach the chainproof server (is it still running?)");
}

export async function getSession(force = false): Promise<Session> {
  if (session && !force) return session;
  try {
    const res = await fetch("/api/session", { headers: authHeaders(), credentials: "same-origin" });
    session = await answer<Session>(res);
    return session;
  } catch (e) {
    return wrapNetwork(e);
  }
}

export async function get<T>(url: string, signal?: AbortSignal): Promise<T> {
  try {
    const res = await fetch(url, { headers: authHeaders(), signal, credentials: "same-origin" });
    return await answer<T>(res);
  } catch (e) {
    return wrapNetwork(e);
  }
}

async function send<T>(
  method: string,
  url: string,
  body: unknown,
  signal?: AbortSignal,
  retried = false,
): Promise<T> {
  const s = await getSession();
  try {
    const res = await fetch(url, {
      method,
      headers: { "content-type": "application/json", "x-chainproof-csrf": s.csrf, ...authHeaders() },
      body: body === undefined ? "{}" : JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
    return await answer<T>(res);
  } catch (e) {
    // A server restarted since the page loaded: get a new CSRF token once.
    if (e instanceof ApiError && e.code === "csrf" && !retried) {
      await getSession(true);
      return send<T>(method, url, body, signal, true);
    }
    return wrapNetwork(e);
  }
}

export const post = <T>(url: string, body: unknown, signal?: AbortSignal) =>
  send<T>("POST", url, body, signal);
export const del = <T>(url: string, signal?: AbortSignal) => send<T>("DELETE", url, undefined, signal);

/** POST that answers with a file: returns its bytes and the file name from Content-Disposition. */
export async function postForFile(
  url: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<{ blob: Blob; name: string }> {
  const s = await getSession();
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chainproof-csrf": s.csrf, ...authHeaders() },
      body: JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
  } catch (e) {
    return wrapNetwork(e);
  }
  if (!res.ok) await answer(res);
  const cd = res.headers.get("content-disposition") ?? "";
  const m = /filename="([^"]+)"/.exec(cd);
  return { blob: await res.blob(), name: m ? m[1] : "download" };
}

export async function getFile(url: string, signal?: AbortSignal): Promise<{ blob: Blob; name: string }> {
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(), signal, credentials: "same-origin" });
  } catch (e) {
    return wrapNetwork(e);
  }
  if (!res.ok) await answer(res);
  const m = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "");
  return { blob: await res.blob(), name: m ? m[1] : "download" };
}

/** Read a text/event-stream with fetch (headers and AbortSignal work, unlike EventSource). */
export async function events(
  url: string,
  onEvent: (type: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "text/event-stream", ...authHeaders() }, signal });
  } catch (e) {
    return wrapNetwork(e);
  }
  if (!res.ok || !res.body) {
    await answer(res);
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i = buf.indexOf("\n\n");
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let type = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) type = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
      i = buf.indexOf("\n\n");
    }
  }
}

/** Save a blob as a file (a temporary object URL, revoked after the click). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveText(text: string, name: string, type = "application/x-pem-file"): void {
  saveFile(new Blob([text], { type }), name);
}

/** A file picked by the user, as the API's file payload. */
export interface FilePayload {
  name?: string;
  base64?: string;
  text?: string;
  password?: string;
}

export async function fileToPayload(f: File): Promise<FilePayload> {
  const buf = new Uint8Array(await f.arrayBuffer());
  let bin = "";
  for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return { name: f.name, base64: btoa(bin) };
}

/**
 * GET with If-None-Match: "unchanged" when the server answers 304 (polling: the answer is the one the
 * page already shows), else the answer and its ETag.
 */
export async function getIfChanged<T>(
  url: string,
  etag: string | undefined,
  signal?: AbortSignal,
): Promise<"unchanged" | { body: T; etag: string | undefined }> {
  let res: Response;
  try {
    const headers: Record<string, string> = { ...authHeaders(), ...(etag ? { "if-none-match": etag } : {}) };
    res = await fetch(url, { headers, signal, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    return wrapNetwork(e);
  }
  if (res.status === 304) return "unchanged";
  const body = await answer<T>(res);
  return { body, etag: res.headers.get("etag") ?? undefined };
}
