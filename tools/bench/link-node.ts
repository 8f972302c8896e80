import { NATS_DEFAULTS } from '../../cluster/config';
import { ClusterNode } from '../../cluster/node';
import { silentLogger } from '../../common/logger';
import { DataService } from '../../data-service';

/**
 * The importing node of scenario 8, in a process of its own as a second node would be: a
 * service that imports `synthetic` from node `bench-a` as `remote`, and one session on the
 * stream counting messages. It reports its count to the parent every `step` messages.
 */

export type ToLinkNode = { readonly type: 'count'; readonly stream: string; readonly step: number } | { readonly type: 'stop' };
export type FromLinkNode =
  | { readonly type: 'ready' }
  | { readonly type: 'counted'; readonly received: number }
  | { readonly type: 'stopped'; readonly dropped: number }
  | { readonly type: 'failed'; readonly message: string };

const send = (msg: FromLinkNode): void => void process.send!(msg);

async function main(): Promise<void> {
  const url = process.argv[2];
  const service = await DataService.start({ logger: silentLogger(), sessionDefaults: { idleAfterMs: 0, outBuffer: 1 << 16 } });
  const config = { ...NATS_DEFAULTS, servers: [url], export: [], node: 'bench-b', import: [{ node: 'bench-a', provider: 'synthetic', as: 'remote' }] };
  const node = await ClusterNode.start({ service, logger: silentLogger(), config });
  let sessionId = '';
  process.on('message', (msg: ToLinkNode) => {
    const work = async (): Promise<void> => {
      if (msg.type === 'count' && sessionId !== '') throw new Error('already counting');
      if (msg.type === 'stop') {
        const dropped = (await service.stats()).sessions.find((s) => s.id === sessionId)?.dropped ?? 0;
        await node.stop();
        await service.stop();
        // Exit on our own (not killed), so a --cpu-prof of this process gets written.
        process.send!({ type: 'stopped', dropped } satisfies FromLinkNode, () => process.exit(0));
        return;
      }
      sessionId = await service.newSession({ idleAfterMs: 0 });
      const client = await service.attachClient(sessionId, { outBuffer: 1 << 16 });
      let received = 0;
      client.envelopes.subscribe((envelope) => {
        if (envelope.type === 'message' && ++received % msg.step === 0) send({ type: 'counted', received });
      });
      await service.configureSession(sessionId, [msg.stream]);
      send({ type: 'ready' });
    };
    work().catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
