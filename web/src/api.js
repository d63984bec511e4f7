// The dashboard talks only to the server that served it (same origin): JSON endpoints, vector tiles, and the
// browser session (an HttpOnly cookie; the CSRF token the server gives goes with every change).

export class ApiError extends Error {
  constructor(status, description) {
    super(description || `HTTP ${status}`);
    this.status = status;
  }
}

export const session = { user: null, csrf: null, simulated: false, version: "", approvals: false };

async function answer(response) {
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.description);
  return body;
}

export async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  return answer(response);
}

/** A change (POST, PUT, PATCH, DELETE) with the session's CSRF token. */
export async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.csrf) headers["X-CSRF-Token"] = session.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer(response);
}

function keep(view) {
  session.user = view.user;
  session.csrf = view.csrf;
  session.simulated = view.simulated;
  session.version = view.version;
  session.approvals = view.approvals;
  return session;
}

export async function loadSession() {
  return keep(await getJSON("/dashboard/session"));
}

export async function signIn(name, password, code) {
  const form = { name, password };
  if (code) form.code = code;
  return keep(await send("POST", "/dashboard/session", form));
}

export async function signOut() {
  await send("DELETE", "/dashboard/session");
  session.user = null;
  session.csrf = null;
}

/** Whether the signed-in user may `action` on `kind` (the server decides again on every request). */
export function can(action, kind) {
  const permissions = session.user?.permissions;
  if (!permissions) return false;
  const scopes = permissions[action];
  if (scopes === undefined) return false;
  if (typeof scopes === "string") return scopes !== "-";
  const scope = scopes[kind] ?? scopes["*"];
  return scope !== undefined && scope !== "none" && scope !== "-";
}
