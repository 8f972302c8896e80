// The live page: the client library (browser build) talks to this gateway over its own WebSocket.
import { connect } from '/lib/client/browser.js';

const TAIL_LINES = 200;
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fmtRate = (n) => (n >= 100 ? fmt.format(n) : n.toFixed(1));

/** An element with text (never HTML: ids and patterns come from users). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'data') for (const [d, dv] of Object.entries(v)) node.dataset[d] = dv;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function setStatus(state, text) {
  const badge = $('conn');
  badge.dataset.state = state;
  badge.textContent = text;
}

/** Rates from the change since the previous snapshot. */
function rate(now, before, seconds) {
  return before === undefined || seconds <= 0 ? 0 : Math.max(0, (now - before) / seconds);
}

function hostRows(body, hosts, previous, seconds) {
  const before = new Map((previous ?? []).map((h) => [h.name, h.msgs]));
  body.replaceChildren(
    ...hosts.map((h) =>
      el('tr', { data: { host: h.name, state: h.state } },
        el('td', {}, h.name),
        el('td', {}, el('span', { class: `state state-${h.state}` }, h.state)),
        el('td', { class: 'num' }, fmt.format(h.streams ?? 0)),
        el('td', { class: 'num rate' }, fmtRate(rate(h.msgs, before.get(h.name), seconds))),
        el('td', { class: 'num' }, fmt.format(h.msgs)),
        el('td', { class: 'num' }, fmt.format(h.restarts)),
      ),
    ),
  );
  if (hosts.length === 0) body.append(el('tr', {}, el('td', { class: 'empty', colspan: '6' }, 'none')));
}

function render(client, stats, previous, seconds) {
  hostRows($('providers'), stats.providers, previous?.providers, seconds);
  // Servers without workers send no list: the box stays hidden.
  const workers = stats.workers;
  $('workers-box').hidden = !Array.isArray(workers);
  if (Array.isArray(workers)) hostRows($('workers'), workers, previous?.workers, seconds);

  const seqBefore = new Map((previous?.streams ?? []).map((s) => [s.id, s.seq]));
  const streams = stats.streams.map((s) => ({ ...s, rate: rate(s.seq, seqBefore.get(s.id), seconds) })).sort((a, b) => b.rate - a.rate || a.id.localeCompare(b.id));
  $('streams-count').textContent = String(streams.length);
  $('streams').replaceChildren(
    ...streams.map((s) => el('tr', { data: { stream: s.id } }, el('td', { class: 'mono', title: s.id }, s.id), el('td', { class: 'num' }, fmt.format(s.seq)), el('td', { class: 'num rate' }, fmtRate(s.rate)))),
  );
  if (streams.length === 0) $('streams').append(el('tr', {}, el('td', { class: 'empty', colspan: '3' }, 'nothing flows: no session wants a stream yet')));

  const listed = stats.sessions.length;
  const open = stats.sessionTotals.open;
  $('sessions-count').textContent = listed < open ? `${open} (${listed} listed)` : String(open);
  $('sessions').replaceChildren(
    ...stats.sessions.map((s) => {
      const fill = s.outBuffer > 0 ? s.buffered / s.outBuffer : 0;
      const patterns = s.patterns.join('  ') || '—';
      return el('tr', { data: { session: s.id } },
        el('td', { class: 'mono', title: s.id }, s.id.slice(0, 8), ...(s.id === client.sessionId ? [el('span', { class: 'me' }, 'this page')] : [])),
        el('td', { class: 'mono', title: patterns }, patterns),
        el('td', { class: 'num' }, fmt.format(s.delivered)),
        el('td', { class: `num${s.dropped > 0 ? ' bad' : ''}` }, fmt.format(s.dropped)),
        el('td', { title: `${s.buffered} of ${s.outBuffer}` }, el('span', { class: 'bar' }, el('i', { class: fill >= 1 ? 'full' : fill > 0.5 ? 'high' : '', style: `width:${Math.min(100, fill * 100).toFixed(1)}%` }))),
      );
    }),
  );

  const totals = [
    ['routed/s', fmtRate(rate(stats.router.routed, previous?.router.routed, seconds))],
    ['delivered/s', fmtRate(rate(stats.sessionTotals.delivered, previous?.sessionTotals.delivered, seconds))],
    ['dropped', fmt.format(stats.sessionTotals.dropped + stats.router.dropped)],
    ['sessions', fmt.format(stats.sessionTotals.open)],
    ['streams', fmt.format(stats.streams.length)],
  ];
  $('totals').replaceChildren(...totals.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', { data: { total: k } }, v))));
}

/** The tail panel: one subscription at a time, newest line first; pausing freezes the list. */
function tail(client) {
  let sub;
  let paused = false;
  let held = 0;
  const lines = $('tail-lines');
  const status = $('tail-status');
  const pause = $('tail-pause');
  const show = (text, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  const add = (node) => {
    lines.prepend(node);
    while (lines.childElementCount > TAIL_LINES) lines.lastElementChild.remove();
  };
  const onMessage = (m) => {
    if (paused) return void (held++, show(`Paused: ${held} messages not shown.`));
    const payload = m.payload instanceof Uint8Array ? `<${m.payload.length} bytes>` : JSON.stringify(m.payload);
    add(el('li', {}, el('span', { class: 't' }, new Date(m.ts).toISOString().slice(11, 23)), el('span', { class: 'id' }, m.id), el('span', { class: 'seq' }, `#${m.seq}`), payload));
  };
  client.on('gap', (g) => {
    if (sub && !paused) add(el('li', { class: 'gap' }, `gap on ${g.id}: ${g.kind}${g.missed ? ` (${g.missed} missed)` : ''}${g.reason ? ` ${g.reason}` : ''}`));
  });
  $('tail-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const pattern = $('tail-pattern').value.trim();
    const old = sub;
    sub = undefined;
    await old?.close();
    lines.replaceChildren();
    if (pattern === '') return void show('Type a pattern to see its messages.');
    try {
      sub = await client.subscribe([pattern], { onMessage, last: true });
      paused = false;
      held = 0;
      pause.disabled = false;
      pause.textContent = 'Pause';
      show(`Tailing ${sub.patterns.join(' ')}`);
    } catch (error) {
      pause.disabled = true;
      show(`${error.code ?? 'ERROR'}: ${error.message}`, true);
    }
  });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    held = 0;
    show(paused ? 'Paused.' : `Tailing ${sub?.patterns.join(' ') ?? ''}`);
  });
}

async function main() {
  const token = new URLSearchParams(location.search).get('token') ?? undefined;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  let client;
  try {
    client = await connect(url, token === undefined ? {} : { token });
  } catch (error) {
    return setStatus('closed', `cannot connect: ${error.message}`);
  }
  setStatus('open', 'live');
  client.on('disconnect', () => setStatus('reconnecting', 'reconnecting…'));
  client.on('reconnect', ({ resumed }) => setStatus('open', resumed ? 'live' : 'live (new session)'));
  client.on('close', () => setStatus('closed', 'closed'));
  tail(client);
  let previous;
  const refresh = async () => {
    if (!client.connected) return;
    try {
      const stats = await client.stats();
      const now = performance.now();
      render(client, stats, previous?.stats, previous ? (now - previous.at) / 1000 : 0);
      previous = { stats, at: now };
    } catch {
      // The next tick tries again; the badge says whether the connection is up.
    }
  };
  await refresh();
  setInterval(refresh, 1000);
}

void main();
