import { parentPort } from 'node:worker_threads';
import { connect, type NatsConnection } from 'nats';
import type { FromClients, ToClients } from './ws-clients';

/**
 * The NATS side of `--compare nats`: `clients` nats.js connections in a worker thread, each
 * subscribed to the benchmark's subjects, counting messages (no parse), reporting progress as
 * the WebSocket clients of scenario 3 do, so the same driver measures both.
 */

const post = (msg: FromClients): void => parentPort!.postMessage(msg);
let connections: NatsConnection[] = [];

async function start(msg: Extract<ToClients, { type: 'start' }>): Promise<void> {
  connections = await Promise.all(Array.from({ length: msg.clients }, () => connect({ servers: msg.url })));
  const counts = new Array<number>(connections.length).fill(0);
  let posted = 0;
  let total = 0;
  connections.forEach((nc, i) => {
    nc.subscribe(msg.patterns[0], {
      callback: () => {
        counts[i]++;
        total++;
        let min = counts[0];
        for (let k = 1; k < counts.length; k++) if (counts[k] < min) min = counts[k];
        if (min - posted >= msg.step) {
          posted = min;
          post({ type: 'progress', min, total, wire: 0 });
        }
      },
    });
  });
  await Promise.all(connections.map((nc) => nc.flush()));
  post({ type: 'ready' });
}

async function stop(): Promise<void> {
  await Promise.all(connections.map((nc) => nc.close()));
  connections = [];
  post({ type: 'closed' });
}

parentPort?.on('message', (msg: ToClients) => {
  const work = msg.type === 'start' ? start(msg) : stop();
  work.catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
});
