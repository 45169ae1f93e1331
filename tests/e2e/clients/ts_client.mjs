// The TypeScript MCP SDK (1.x, the client library inside Claude Code, VS Code, Cursor and most
// Node agents) against the real endpoint. One scenario per run; prints one JSON object with what a
// user of the SDK sees. Every tool result is also checked with ajv against the tool's advertised
// outputSchema (the SDK checks too, and throws -32602 on a mismatch).
//
// Usage: node ts_client.mjs SCENARIO URL [TOKEN|USER_ID] [ARGS...]
//   session URL TOKEN            list, workplace_search, search, fetch, invalid arguments, not found,
//                                list_events (Globex meetings in the week of 2026-12-07)
//   rate_limited URL TOKEN       one call by a caller whose limit is spent
//   missing_scope URL TOKEN      workplace_search on a source the token lacks
//   no_token URL                 connect without a token
//   oauth URL USER_ID            sign in from the bare URL (discovery, registration, PKCE, consent
//                                as USER_ID, token), then search
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import Ajv from "ajv";

const ajv = new Ajv({ strict: false, allErrors: true });
const [scenario, url, credential, ...args] = process.argv.slice(2);
const schemas = new Map();

function transport(token, authProvider) {
  const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
  return new StreamableHTTPClientTransport(new URL(url), { requestInit, authProvider });
}

async function connect(token, authProvider, via) {
  const client = new Client({ name: "workplace-e2e-ts", version: "1.0.0" });
  await client.connect(via ?? transport(token, authProvider));
  const { tools } = await client.listTools();
  for (const tool of tools) schemas.set(tool.name, ajv.compile(tool.outputSchema ?? {}));
  return { client, tools };
}

/** Calls a tool and reports what the SDK user sees, plus our own schema check. */
async function call(client, name, args) {
  try {
    const result = await client.callTool({ name, arguments: args });
    const validate = schemas.get(name);
    const valid = result.structuredContent === undefined || validate(result.structuredContent);
    return {
      threw: false,
      is_error: Boolean(result.isError),
      text: result.content.filter((c) => c.type === "text").map((c) => c.text),
      structured: result.structuredContent ?? null,
      schema_valid: valid,
      schema_errors: valid ? [] : validate.errors,
    };
  } catch (err) {
    return { threw: true, code: err.code ?? null, message: String(err.message ?? err) };
  }
}

async function failure(fn) {
  try {
    await fn();
    return { threw: false };
  } catch (err) {
    return { threw: true, name: err.constructor?.name, code: err.code ?? null, message: String(err.message ?? err) };
  }
}

/** An OAuth client provider that plays the person at the consent page. */
class HeadlessProvider {
  constructor(userId) {
    this.userId = userId;
    this.info = undefined;
    this.saved = undefined;
    this.verifier = undefined;
    this.code = undefined;
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return "http://127.0.0.1:8976/callback"; }
  get clientMetadata() {
    return {
      client_name: "workplace-e2e-ts", redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"], response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() { return this.info; }
  saveClientInformation(info) { this.info = info; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(authorizationUrl) {
    this.authorizationUrl = authorizationUrl.toString();
    const page = await fetch(authorizationUrl, { redirect: "manual" });
    if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
    const form = new URLSearchParams();
    for (const [k, v] of authorizationUrl.searchParams) {
      if (k === "scope") form.append("requested_scope", v);
      else form.append(k, v);
    }
    for (const s of (authorizationUrl.searchParams.get("scope") ?? "").split(" ").filter(Boolean)) {
      form.append("scope", s);
    }
    form.append("user_id", this.userId);
    form.append("decision", "approve");
    const answer = await fetch(authorizationUrl.origin + authorizationUrl.pathname, {
      method: "POST", body: form, redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const back = new URL(answer.headers.get("location"));
    this.code = back.searchParams.get("code");
  }
}

async function main() {
  const out = { ok: true };
  if (scenario === "session") {
    const { client, tools } = await connect(credential);
    out.tools = tools.map((t) => t.name);
    out.search = await call(client, "workplace_search", { query: "quarterly budget", max_results: 5 });
    const first = out.search.structured?.results?.[0]?.id ?? "google_drive:does-not-exist";
    out.fetch = await call(client, "fetch", { id: first, max_chars: 200 });
    out.chatgpt_search = await call(client, "search", { query: "quarterly budget" });
    out.invalid = await call(client, "workplace_search", { query: "q".repeat(501) });
    out.not_found = await call(client, "fetch", { id: "google_drive:does-not-exist" });
    out.meetings = await call(client, "list_events", {
      start: "2026-12-07T00:00:00Z", end: "2026-12-14T00:00:00Z", query: "Globex",
    });
    // A filtered search paged three results at a time to its end, and the same search at once.
    const paged = { query: "budget", filters: { type: ["document", "spreadsheet", "pdf"], modified_after: "2020-01-01" } };
    out.paging = { pages: [] };
    let args = { ...paged, max_results: 3 };
    while (out.paging.pages.length < 30) {
      const page = await call(client, "workplace_search", args);
      out.paging.pages.push({ ...page, ids: (page.structured?.results ?? []).map((r) => r.id) });
      const cursor = page.structured?.next_cursor;
      if (!cursor) break;
      args = { ...args, cursor };
    }
    const whole = await call(client, "workplace_search", { ...paged, max_results: 50 });
    out.paging.whole = (whole.structured?.results ?? []).map((r) => r.id);
    await client.close();
  } else if (scenario === "rate_limited") {
    const { client } = await connect(credential);
    out.search = await call(client, "workplace_search", { query: "budget" });
    await client.close();
  } else if (scenario === "missing_scope") {
    const { client } = await connect(credential);
    out.search = await call(client, "workplace_search", { query: "budget", sources: [args[0] ?? "google_drive"] });
    await client.close();
  } else if (scenario === "no_token") {
    out.connect = await failure(() => connect(undefined));
  } else if (scenario === "oauth") {
    const provider = new HeadlessProvider(credential);
    const pending = transport(undefined, provider);
    const first = await failure(() => connect(undefined, provider, pending));
    out.first_connect_unauthorized = first.threw && first.name === UnauthorizedError.name;
    out.authorization_url = provider.authorizationUrl ?? null;
    await pending.finishAuth(provider.code);
    out.token_scope = provider.saved?.scope ?? null;
    const { client } = await connect(undefined, provider);
    out.search = await call(client, "workplace_search", { query: args[0] ?? "budget" });
    await client.close();
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, error: String(err?.stack ?? err) }));
  process.exit(0);
});
