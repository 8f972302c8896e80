import { connect } from 'nats';
import { encodeMessage } from '../../gateway/encode';
import { NATS_MISSING, NatsServer, natsServerBinary } from '../../test/support/nats-server';
import { EnvelopeSource } from './drive';
import { NAMESPACE } from './harness';
import { ratio, type BenchOptions, type Row, type ScenarioReport } from './report';
import { BURST, gatewayServer, measure, STREAMS, type Server } from './s3-gateway';
import { median } from './stats';

/**
 * What a user would pick instead: nats-server with nats.js subscribers. Each burst publishes the
 * same messages (the gateway's own JSON text of each, one NATS message per market-data message,
 * a subject per stream) and every client subscribes to all of them.
 */
async function natsFanout(): Promise<Server & { stopServer: () => Promise<void> }> {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  const source = new EnvelopeSource(Array.from({ length: STREAMS }, (_, i) => `${NAMESPACE}::s${i}.trade`));
  const subjects = Array.from({ length: STREAMS }, (_, i) => `bench.s${i}`);
  let at = 0;
  return {
    url: server.url,
    pattern: 'bench.>',
    burst: () => {
      for (let k = 0; k < BURST; k++) {
        nc.publish(subjects[at], Buffer.from(encodeMessage(source.next())));
        if (++at === STREAMS) at = 0;
      }
    },
    close: async () => {
      await nc.close();
      await server.stop();
    },
    stopServer: () => server.stop(),
  };
}

/** `npm run bench -- --compare nats`: the gateway's fan-out beside nats-server's, same clients, same messages. */
export async function compareNats(options: BenchOptions): Promise<ScenarioReport> {
  const title = `Tessera's gateway beside nats-server: ${STREAMS} streams, bursts of ${BURST}, clients in a worker thread`;
  const baseline = 'nats-server with nats.js subscribers (one NATS message per market-data message)';
  if (natsServerBinary() === undefined) return { scenario: 9, title, baseline, rows: [], details: {}, notes: [`skipped: ${NATS_MISSING}`] };
  const reps = options.quick ? 1 : 3;
  const timing = options.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 500, durationMs: 2000 };
  const rows: Row[] = [];
  const details: Record<string, unknown> = { reps, ...timing };
  for (const clients of [1, 10]) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < reps; r++) {
      const g = await gatewayServer();
      try {
        ours.push((await measure(g, clients, timing)).rate);
      } finally {
        await g.close();
      }
      const n = await natsFanout();
      try {
        theirs.push((await measure(n, clients, timing, false, 'nats-clients.js')).rate);
      } finally {
        await n.close();
      }
    }
    const value = median(ours);
    const base = median(theirs);
    rows.push({ label: `${clients} client${clients === 1 ? '' : 's'}: msgs/s received (all clients)`, value, unit: '/s', baseline: base, ratio: ratio(value, base) });
    details[`clients${clients}`] = { tessera: ours, natsServer: theirs };
  }
  return { scenario: 9, title, baseline, rows, details };
}
