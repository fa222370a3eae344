/* The console's API: JSON both ways, the session cookie, and the session's CSRF token
 * in X-CSRF-Token on every call. Answers carry their HTTP status in ``status`` (0 when
 * the desk could not be reached), so callers never need try/catch. */

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch("/console/api" + path, {
      method,
      headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    return { status: 0, error: "network" };
  }
  let data;
  try {
    data = await response.json();
  } catch (e) {
    data = {};
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) data = { value: data };
  data.status = response.status;
  return data;
}
