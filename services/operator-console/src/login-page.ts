// The sign-in page: the only page served without a session, with status 401 (nothing about the
// cluster in it). Static text; the one variable part is a fixed message chosen by the server.
export function loginPage(message: string | undefined): string {
  const note = message === undefined ? "" : `<p class="problem" role="alert">${escapeHtml(message)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Invoice coordinator console: sign in</title>
<style>body{font:15px system-ui,sans-serif;background:#0f172a;color:#e2e8f0;display:grid;place-items:center;min-height:100vh;margin:0}
form{background:#1e293b;padding:2rem;border-radius:8px;width:24rem}input{width:100%;box-sizing:border-box;padding:.5rem;margin:.5rem 0 1rem;font:inherit}
button{padding:.5rem 1rem;font:inherit}.problem{color:#fca5a5}</style></head>
<body><form method="post" action="/login"><h1>Operator console</h1>
<p>Sign in with the invoice API's bearer token.</p>${note}
<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
