import { NATS_MISSING, NatsServer, natsServerBinary } from './nats-server';

// Jest helpers around nats-server, apart from nats-server.ts so the benchmarks (compiled without
// Jest's types by `npm run build`) can use the server without them.

/** `describe` when nats-server is installed; otherwise the suite is skipped with the reason shown. */
export function describeNats(name: string, body: () => void): void {
  if (natsServerBinary() !== undefined) return describe(name, body);
  test.skip(NATS_MISSING, () => undefined);
  describe.skip(name, body);
}

/**
 * One nats-server for the enclosing `describe`: started before its tests, stopped after them.
 * Returns a getter (the server exists only once `beforeAll` ran).
 */
export function useNatsServer(): () => NatsServer {
  let server: NatsServer | undefined;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('useNatsServer: the server is not started yet');
    return server;
  };
}
