import { silentLogger } from '../../common/logger';
import type { ServiceOptions } from '../../common/service-types';
import { DataService } from '../../data-service';
import { Gateway } from '../../gateway/server';
import type { GatewayOptions } from '../../gateway/types';
import { SyntheticProvider } from '../../providers/synthetic';
import { TestSocket } from './ws-client';

/** A real service and gateway on 127.0.0.1:0 with a synthetic provider the test pumps by hand. */
export interface Harness {
  readonly service: DataService;
  readonly gateway: Gateway;
  /** The `synthetic` provider in manual mode: nothing flows until `pump`. */
  readonly synthetic: SyntheticProvider;
  readonly url: string;
  connect(path?: string): Promise<TestSocket>;
  /** A socket with a fresh session, attached and configured with `patterns`. */
  subscriber(patterns: readonly string[], attach?: object): Promise<{ socket: TestSocket; sessionId: string }>;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { gateway?: Partial<Omit<GatewayOptions, 'service'>>; service?: ServiceOptions } = {},
): Promise<Harness> {
  const service = await DataService.start({ logger: silentLogger(), publishNamespaces: ['local'], ...options.service });
  const synthetic = new SyntheticProvider({ emitMode: 'manual' });
  await service.addProvider('synthetic', synthetic);
  const gateway = await Gateway.start({ service, port: 0, ...options.gateway });
  const sockets: TestSocket[] = [];
  const connect = async (path = ''): Promise<TestSocket> => {
    const socket = await TestSocket.open(gateway.url + path);
    sockets.push(socket);
    return socket;
  };
  return {
    service,
    gateway,
    synthetic,
    url: gateway.url,
    connect,
    async subscriber(patterns, attach = {}) {
      const socket = await connect();
      const created = await socket.ask({ op: 'session.create' });
      const sessionId = created.sessionId as string;
      expect(await socket.ask({ op: 'session.attach', sessionId, ...attach })).toMatchObject({ op: 'attached', sessionId });
      expect(await socket.ask({ op: 'session.configure', patterns })).toMatchObject({ op: 'configured' });
      return { socket, sessionId };
    },
    async stop() {
      await Promise.all(sockets.map((s) => s.terminate()));
      await gateway.close();
      await service.stop();
    },
  };
}
