// The operator console page: Preact components written with htm (tagged templates, no JSX
// build step), one EventSource on /api/stream (the session cookie authenticates it) that brings
// snapshots, invoice events and chart points without a reload, and a uPlot chart. It only
// renders what the server made (src/view/console-model.ts); formatting is src/view/format.ts.
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { INVOICE_STATES, type BridgeRow, type EventRow, type InvoiceRow, type Overview, type RatePoint, type StreamMessage } from "../src/view/console-model.ts";
import { ago, formatMsat, orDash, shortHex } from "../src/view/format.ts";

const html = htm.bind(h);
const MAX_EVENTS = 300;
const MAX_POINTS = 300;

type Connection = "connecting" | "live" | "reconnecting" | "signed out";

async function getJson<T>(url: string): Promise<{ ok: true; value: T } | { ok: false; status: number; error: string }> {
  try {
    const response = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
    const body = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) return { ok: false, status: response.status, error: body.error ?? `HTTP ${response.status}` };
    return { ok: true, value: body };
  } catch (error) {
    return { ok: false, status: 0, error: String(error) };
  }
}

function App() {
  const [overview, setOverview] = useState<Overview | undefined>(undefined);
  const [events, setEvents] = useState<EventRow[]>([]);
  const [points, setPoints] = useState<RatePoint[]>([]);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [state, setState] = useState<string>("SETTLED");
  const [invoices, setInvoices] = useState<InvoiceRow[]>([]);
  const [detail, setDetail] = useState<InvoiceRow | undefined>(undefined);
  const [search, setSearch] = useState("");
  const [searchProblem, setSearchProblem] = useState<string | undefined>(undefined);

  useEffect(() => {
    const source = new EventSource("/api/stream");
    const onMessage = (raw: MessageEvent<string>) => {
      const message = JSON.parse(raw.data) as StreamMessage;
      setConnection("live");
      if (message.type === "overview") setOverview(message.overview);
      else if (message.type === "event") {
        setEvents((list) => [...list, message.event].slice(-MAX_EVENTS));
        setDetail((current) => (current?.paymentHash === message.event.invoice.paymentHash ? message.event.invoice : current));
      } else setPoints((list) => [...list, message.point].slice(-MAX_POINTS));
    };
    for (const type of ["overview", "event", "rate"]) source.addEventListener(type, onMessage as EventListener);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // A refused reconnect (401: the session ended) closes the source for good.
        setConnection("signed out");
      } else setConnection("reconnecting");
    };
    return () => source.close();
  }, []);

  const countsKey = JSON.stringify(overview?.invoicesByState ?? {});
  useEffect(() => {
    void getJson<{ invoices: InvoiceRow[] }>(`/api/invoices?state=${encodeURIComponent(state)}&limit=50`).then((answer) => {
      if (answer.ok) setInvoices(answer.value.invoices);
    });
  }, [state, countsKey, events.length]);

  async function onSearch(e: Event) {
    e.preventDefault();
    setSearchProblem(undefined);
    const answer = await getJson<{ invoice: InvoiceRow }>(`/api/invoice?q=${encodeURIComponent(search)}`);
    if (answer.ok) setDetail(answer.value.invoice);
    else setSearchProblem(answer.error);
  }

  const settlements = useMemo(() => events.filter((e) => e.kind === "SETTLED").slice(-20).reverse(), [events]);
  const now = overview?.atMs ?? 0;

  return html`
    <header>
      <h1>Invoice coordinator</h1>
      <span class=${`pill ${connection === "live" ? "ok" : "bad"}`} data-testid="connection">${connection}</span>
      ${overview === undefined
        ? html`<span>waiting for the first snapshot…</span>`
        : html`<span class=${`pill ${overview.api.state === "up" ? "ok" : "bad"}`} data-testid="api-state"
              >invoice API ${overview.api.state}${overview.api.error ? `: ${overview.api.error}` : ""}</span
            >
            <span class=${`pill ${overview.feed.state === "live" ? "ok" : "bad"}`}
              >events ${overview.feed.state} (#${overview.feed.lastSequence})${overview.feed.error ? `: ${overview.feed.error}` : ""}</span
            >
            <span class="muted">${overview.api.network ?? ""} · coordinator ${shortHex(overview.api.coordinatorPubkey)}</span>`}
      ${connection === "signed out" ? html`<a href="/login">sign in again</a>` : html`<form method="post" action="/logout" class="inline"><button>sign out</button></form>`}
    </header>
    <main>
      <section class="wide">
        <h2>Cluster nodes and their bridges</h2>
        <${Nodes} rows=${overview?.bridges ?? []} />
      </section>
      <section>
        <h2>Matchers</h2>
        <${Matchers} overview=${overview} />
      </section>
      <section>
        <h2>Settlements and HTLC decisions per second</h2>
        <${RateChart} points=${points} />
      </section>
      <section class="wide">
        <h2>Invoices by state</h2>
        <nav class="tabs" data-testid="state-tabs">
          ${INVOICE_STATES.map(
            (s) =>
              html`<button class=${s === state ? "active" : ""} data-state=${s} onClick=${() => setState(s)}>
                ${s} <b>${overview?.invoicesByState[s] ?? 0}</b>
              </button>`,
          )}
        </nav>
        <p class="muted">Of the newest ${orDash(overview?.invoicesScanned)} invoices.</p>
        <${InvoiceTable} rows=${invoices} onPick=${setDetail} testid="invoice-list" />
      </section>
      <section>
        <h2>Find an invoice</h2>
        <form onSubmit=${onSearch} class="search">
          <input
            name="q"
            placeholder="payment hash or reference"
            value=${search}
            onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Look up</button>
        </form>
        ${searchProblem === undefined ? null : html`<p class="problem" data-testid="search-problem">${searchProblem}</p>`}
        ${detail === undefined ? html`<p class="muted">Pick an invoice or search by payment hash or reference.</p>` : html`<${InvoiceDetail} invoice=${detail} />`}
      </section>
      <section>
        <h2>Recent settlements</h2>
        <ul class="settlements" data-testid="settlements">
          ${settlements.length === 0 ? html`<li class="muted">none yet</li>` : null}
          ${settlements.map(
            (e) => html`<li data-testid="settlement" data-hash=${e.invoice.paymentHash} onClick=${() => setDetail(e.invoice)}>
              <span class="pill ok">${e.invoice.status}</span>
              <code>${shortHex(e.invoice.paymentHash)}</code> ${e.invoice.externalRef} · ${formatMsat(e.invoice.amountPaidMsat)} ·
              <span data-testid="settlement-nodes">${e.invoice.parts.length} part${e.invoice.parts.length === 1 ? "" : "s"} via ${e.invoice.nodes.join(", ")}</span>
              <span class="muted"> ${ago(e.atMs, now || e.atMs)}</span>
            </li>`,
          )}
        </ul>
      </section>
    </main>
  `;
}

function Nodes({ rows }: { rows: readonly BridgeRow[] }) {
  if (rows.length === 0) return html`<p class="muted">No nodes known yet (the invoice API names them).</p>`;
  return html`<table data-testid="nodes">
    <thead><tr><th>node</th><th>pubkey</th><th>bridge (API)</th><th>metrics</th><th>lnd streams</th><th>lnd height</th><th>held HTLCs</th><th>publish backlog</th><th>decisions applied</th><th>command lag</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr data-node=${r.node}>
          <td><b>${r.node}</b></td>
          <td><code>${shortHex(r.pubkey)}</code></td>
          <td>${r.apiSaysConnected === undefined ? "-" : html`<span class=${`pill ${r.apiSaysConnected ? "ok" : "bad"}`}>${r.apiSaysConnected ? "connected" : "not connected"}</span>`}</td>
          <td data-testid="bridge-metrics"><span class=${`pill ${r.metrics === "up" ? "ok" : r.metrics === "unreachable" ? "bad" : ""}`}>${r.metrics}</span>${r.error ? html` <span class="problem">${r.error}</span>` : null}</td>
          <td>${r.lndConnected === undefined ? "-" : r.lndConnected ? "connected" : html`<span class="problem">down</span>`}</td>
          <td data-testid="height">${orDash(r.blockHeight)}</td>
          <td>${orDash(r.heldHtlcs)}</td>
          <td>${orDash(r.publishBacklog)}</td>
          <td>${orDash(r.decisionsApplied)}</td>
          <td>${orDash(r.commandLag)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Matchers({ overview }: { overview: Overview | undefined }) {
  if (overview === undefined) return null;
  const k = overview.kafka;
  return html`
    ${overview.matchers.length === 0
      ? html`<p class="muted">No matcher metrics configured.</p>`
      : html`<table data-testid="matchers">
          <thead><tr><th>matcher</th><th>metrics</th><th>tick height</th><th>HTLCs decided</th><th>commands</th><th>stalled partitions</th><th>outbox failures</th></tr></thead>
          <tbody>
            ${overview.matchers.map(
              (m) => html`<tr>
                <td>${m.name}</td>
                <td><span class=${`pill ${m.metrics === "up" ? "ok" : "bad"}`}>${m.metrics}</span>${m.error ? html` <span class="problem">${m.error}</span>` : null}</td>
                <td>${orDash(m.tickBlockHeight)}</td><td>${orDash(m.htlcsDecided)}</td><td>${orDash(m.commandsPublished)}</td>
                <td>${orDash(m.stalledPartitions)}</td><td>${orDash(m.outboxPublishFailures)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    <h3>Consumer group <code>${k.matcherGroup}</code></h3>
    <p data-testid="kafka-state">
      <span class=${`pill ${k.state === "up" ? "ok" : k.state === "unreachable" ? "bad" : ""}`}>Kafka ${k.state}</span>
      ${k.error ? html` <span class="problem">${k.error}</span>` : null}
      ${k.state === "up" ? html` ${k.groupState ?? "-"}, ${k.members.length} member${k.members.length === 1 ? "" : "s"}, total lag <b data-testid="total-lag">${orDash(k.totalLag)}</b>` : null}
    </p>
    ${k.members.length > 0 ? html`<ul class="members">${k.members.map((m) => html`<li><code>${m.clientId}</code> on ${m.host}</li>`)}</ul>` : null}
    ${k.lag.length > 0
      ? html`<table class="lag"><thead><tr><th>input topic</th><th>lag</th></tr></thead><tbody>
          ${k.lag.map((l) => html`<tr><td><code title=${l.topic}>${l.topic.replace(/\.(0[23][0-9a-f]{64})$/, (_, key: string) => `.${shortHex(key)}`)}</code></td><td>${l.lag}</td></tr>`)}
        </tbody></table>`
      : null}
  `;
}

function InvoiceTable({ rows, onPick, testid }: { rows: readonly InvoiceRow[]; onPick: (row: InvoiceRow) => void; testid: string }) {
  if (rows.length === 0) return html`<p class="muted" data-testid=${testid}>No invoices in this state.</p>`;
  return html`<table data-testid=${testid}>
    <thead><tr><th>payment hash</th><th>reference</th><th>status</th><th>mode</th><th>amount</th><th>paid</th><th>parts via</th><th>created</th></tr></thead>
    <tbody>
      ${rows.map(
        (r) => html`<tr data-hash=${r.paymentHash} onClick=${() => onPick(r)} class="pick">
          <td><code>${shortHex(r.paymentHash)}</code></td><td>${r.externalRef}</td><td>${r.status}</td><td>${r.mode}</td>
          <td>${formatMsat(r.amountMsat)}</td><td>${formatMsat(r.amountPaidMsat)}</td><td>${r.nodes.join(", ") || "-"}</td>
          <td>${new Date(r.createdAtMs).toISOString().replace("T", " ").slice(0, 19)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function InvoiceDetail({ invoice }: { invoice: InvoiceRow }) {
  return html`<div class="detail" data-testid="invoice-detail" data-hash=${invoice.paymentHash}>
    <p><span class="pill" data-testid="detail-status">${invoice.status}</span> <b>${invoice.externalRef}</b> (${invoice.mode})</p>
    <p><code class="hash">${invoice.paymentHash}</code></p>
    <p>amount ${formatMsat(invoice.amountMsat)}, paid ${formatMsat(invoice.amountPaidMsat)}</p>
    <table data-testid="parts">
      <thead><tr><th>node</th><th>channel</th><th>HTLC</th><th>amount</th><th>status</th></tr></thead>
      <tbody>
        ${invoice.parts.length === 0 ? html`<tr><td colspan="5" class="muted">no HTLCs</td></tr>` : null}
        ${invoice.parts.map(
          (p) => html`<tr data-testid="part" data-node=${p.node}>
            <td><b>${p.node}</b></td><td><code>${p.chanId}</code></td><td>${p.htlcId}</td><td>${formatMsat(p.amountMsat)}</td><td>${p.status}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function RateChart({ points }: { points: readonly RatePoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    if (box.current === null) return;
    chart.current = new uPlot(
      {
        width: Math.max(320, box.current.clientWidth || 560),
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
        series: [
          {},
          { label: "settlements/s", stroke: "#22c55e", width: 2 },
          { label: "HTLC settles/s", stroke: "#3b82f6", width: 2 },
          { label: "HTLC fails/s", stroke: "#ef4444", width: 2 },
        ],
        axes: [{ stroke: "#94a3b8" }, { stroke: "#94a3b8" }],
      },
      [[], [], [], []],
      box.current,
    );
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => {
    chart.current?.setData([
      points.map((p) => p.atMs / 1000),
      points.map((p) => p.settlementsPerSecond),
      points.map((p) => p.settlesPerSecond),
      points.map((p) => p.failsPerSecond),
    ]);
  }, [points]);
  const peak = (pick: (p: RatePoint) => number) => points.reduce((max, p) => Math.max(max, pick(p)), 0);
  return html`<div
    ref=${box}
    class="chart"
    data-testid="rate-chart"
    data-points=${points.length}
    data-peak-settlements=${peak((p) => p.settlementsPerSecond)}
    data-peak-decisions=${peak((p) => p.settlesPerSecond + p.failsPerSecond)}
  ></div>`;
}

const root = document.getElementById("app");
if (root !== null) render(html`<${App} />`, root);
