import { connect, type TesseraClient } from '../client';
import { ProviderScript } from '../testkit';
import { BarsWorker } from '../workers';
import { startHarness, type Harness } from './support/gateway-harness';

const TICKS = 'synthetic::btcusdt.ticks';

/** One sample of the text exposition: name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes: no escapes in our labels). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').match(/[a-zA-Z_]+="[^"]*"/g) ?? []) {
      const eq = pair.indexOf('=');
      labels[pair.slice(0, eq)] = pair.slice(eq + 2, -1);
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return found.value;
}

function httpUrl(h: Harness, path: string): string {
  return h.url.replace(/^ws:/, 'http:') + path;
}

let h: Harness;
const clients: TesseraClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h.stop();
});

describe('/metrics', () => {
  beforeEach(async () => (h = await startHarness()));

  async function scrape(): Promise<Sample[]> {
    const response = await fetch(httpUrl(h, '/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await response.text());
  }

  test('the text exposition parses, and its values move as messages flow', async () => {
    const before = await scrape();
    expect(value(before, 'tessera_provider_state', { provider: 'synthetic', state: 'running' })).toBe(1);
    expect(value(before, 'tessera_provider_state', { provider: 'synthetic', state: 'failed' })).toBe(0);
    expect(value(before, 'tessera_sessions')).toBe(0);
    expect(value(before, 'tessera_gateway_connections')).toBe(0);
    // Process and event-loop metrics come along.
    // prom-client counts CPU from when the metric was registered, in the kernel's accounting
    // steps, so right after start it may still read 0: present is what is checked here.
    expect(typeof value(before, 'process_cpu_user_seconds_total')).toBe('number');
    expect(before.some((s) => s.name.startsWith('nodejs_eventloop_lag'))).toBe(true);
    await h.service.addWorker('bars', () => new BarsWorker());
    const withWorker = await scrape();
    expect(value(withWorker, 'tessera_worker_state', { worker: 'bars', state: 'running' })).toBe(1);
    expect(value(withWorker, 'tessera_worker_inputs_dropped_total', { worker: 'bars' })).toBe(0);

    const client = await connect(h.url);
    clients.push(client);
    const sub = await client.subscribe([TICKS]);
    const it = sub[Symbol.asyncIterator]();
    h.synthetic.pump(10, TICKS);
    for (let i = 0; i < 10; i++) await it.next();

    const after = await scrape();
    expect(value(after, 'tessera_provider_messages_total', { provider: 'synthetic' })).toBe(10);
    expect(value(after, 'tessera_provider_streams', { provider: 'synthetic' })).toBe(1);
    expect(value(after, 'tessera_streams')).toBe(1);
    expect(value(after, 'tessera_router_routed_total')).toBeGreaterThanOrEqual(10);
    expect(value(after, 'tessera_session_delivered_total')).toBe(10);
    expect(value(after, 'tessera_sessions')).toBe(1);
    expect(value(after, 'tessera_sessions_attached')).toBe(1);
    expect(value(after, 'tessera_gateway_connections')).toBe(1);
    expect(value(after, 'tessera_gateway_frames_out_total')).toBeGreaterThan(value(before, 'tessera_gateway_frames_out_total'));
    expect(value(after, 'tessera_gateway_bytes_out_total')).toBeGreaterThan(value(before, 'tessera_gateway_bytes_out_total'));
    expect(value(after, 'tessera_gateway_frames_in_total')).toBeGreaterThanOrEqual(3);

    // Deliveries stay counted when the session closes.
    await client.close();
    clients.length = 0;
    const closed = await scrape();
    expect(value(closed, 'tessera_sessions')).toBe(0);
    expect(value(closed, 'tessera_session_delivered_total')).toBe(10);
    // No label names a stream or a session.
    for (const s of [...after, ...closed]) {
      for (const label of Object.values(s.labels)) {
        expect(label).not.toContain('::');
        expect(label).not.toBe(client.sessionId);
      }
    }
  });

  test('refused upgrades and rate-limited frames are counted by reason', async () => {
    await h.stop();
    h = await startHarness({ gateway: { token: 'pw', maxOpsPerSecond: 1 } });
    await expect(connect(h.url, { reconnect: false })).rejects.toMatchObject({ status: 401 });
    const socket = await (await import('./support/ws-client')).TestSocket.open(`${h.url}/?token=pw`);
    const answers = await Promise.all([socket.ask({ op: 'stats' }), socket.ask({ op: 'stats' }), socket.ask({ op: 'stats' })]);
    expect(answers.some((a) => a.code === 'LIMIT_EXCEEDED')).toBe(true);
    const response = await fetch(httpUrl(h, '/metrics'), { headers: { Authorization: 'Bearer pw' } });
    const samples = parseExposition(await response.text());
    expect(value(samples, 'tessera_gateway_upgrades_refused_total', { reason: 'unauthorized' })).toBe(1);
    expect(value(samples, 'tessera_gateway_rate_limited_frames_total')).toBeGreaterThanOrEqual(1);
    await socket.close();
  });
});

describe('/healthz and /readyz', () => {
  test('healthy and ready while every provider runs; a failed provider makes /readyz 503, naming it', async () => {
    h = await startHarness({ service: { providerRestart: { maxRestarts: 0, withinMs: 60_000 } } });
    expect(await (await fetch(httpUrl(h, '/healthz'))).json()).toEqual({ status: 'ok' });
    const ready = await fetch(httpUrl(h, '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });

    const script = new ProviderScript();
    await h.service.addProvider('feed', script.factory);
    script.fail(new Error('boom'));
    const deadline = Date.now() + 5_000;
    while (!(await h.service.stats()).providers.some((p) => p.name === 'feed' && p.state === 'failed')) {
      if (Date.now() > deadline) throw new Error('the provider never failed');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const notReady = await fetch(httpUrl(h, '/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, notRunning: [{ kind: 'provider', name: 'feed', state: 'failed' }] });
    // Still serving: health is about the process, readiness about what it serves.
    expect((await fetch(httpUrl(h, '/healthz'))).status).toBe(200);
  });
});

describe('auth and switches', () => {
  test('with a token, /metrics and the page need it (Bearer or ?token=); /healthz and /readyz do not', async () => {
    h = await startHarness({ gateway: { token: 's3cret' } });
    for (const path of ['/metrics', '/']) {
      const refused = await fetch(httpUrl(h, path));
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect((await fetch(httpUrl(h, path), { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(httpUrl(h, path), { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200);
      expect((await fetch(httpUrl(h, `${path}?token=s3cret`))).status).toBe(200);
    }
    const page = await fetch(httpUrl(h, '/?token=s3cret'));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>Tessera');
    expect((await fetch(httpUrl(h, '/healthz'))).status).toBe(200);
    expect((await fetch(httpUrl(h, '/readyz'))).status).toBe(200);
  });

  test('each endpoint can be turned off; nothing outside the served folders is reachable', async () => {
    h = await startHarness({ gateway: { endpoints: { metrics: false, page: false } } });
    expect((await fetch(httpUrl(h, '/metrics'))).status).toBe(404);
    expect((await fetch(httpUrl(h, '/'))).status).toBe(426);
    expect((await fetch(httpUrl(h, '/page/app.js'))).status).toBe(404);
    expect((await fetch(httpUrl(h, '/healthz'))).status).toBe(200);
    await h.stop();
    h = await startHarness({ gateway: { endpoints: { health: false } } });
    expect((await fetch(httpUrl(h, '/healthz'))).status).toBe(404);
    expect((await fetch(httpUrl(h, '/readyz'))).status).toBe(404);
    expect((await fetch(httpUrl(h, '/page/app.js'))).status).toBe(200);
    for (const path of ['/page/../../package.json', '/page/%2e%2e/%2e%2e/package.json', '/lib/../../package.json', '/page/..%2f..%2fpackage.json']) {
      expect((await fetch(httpUrl(h, path))).status).toBe(404);
    }
    expect((await fetch(httpUrl(h, '/metrics'), { method: 'POST' })).status).toBe(405);
  });
});
