import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildCli, runCli, startRun, type RunningCli } from './support/cli';
import { describeNats, useNatsServer } from './support/nats-suite';

jest.setTimeout(90_000);

describeNats('tessera run --nats', () => {
  const nats = useNatsServer();
  let main: string;
  let dir: string;
  const nodes: RunningCli[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-nats-cli-'));
    main = await buildCli();
  }, 240_000);

  afterAll(async () => {
    for (const node of nodes) if (node.child.exitCode === null) node.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (main) rmSync(dirname(dirname(main)), { recursive: true, force: true });
  });

  it('a session on node b receives node a synthetic stream, and both nodes exit 0 on SIGTERM', async () => {
    const configA = join(dir, 'a.json');
    const configB = join(dir, 'b.json');
    writeFileSync(configA, JSON.stringify({ nats: { node: 'a', export: ['synthetic'] } }));
    writeFileSync(configB, JSON.stringify({ providers: [], nats: { node: 'b', import: [{ node: 'a', provider: 'synthetic', as: 'remote' }] } }));
    const a = await startRun(main, ['--port', '0', '-c', configA, '--nats', nats().url]);
    nodes.push(a);
    const b = await startRun(main, ['--port', '0', '-c', configB, '--nats', nats().url]);
    nodes.push(b);

    const { code, stdout, stderr } = await runCli(main, ['subscribe', 'remote::btcusdt.ticks[rate=100]', '--count', '3', '--url', b.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const messages = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; seq: number });
    expect(messages.map((m) => m.id)).toEqual(Array(3).fill('remote::btcusdt.ticks[rate=100]'));
    expect(messages[1].seq).toBe(messages[0].seq + 1);

    b.child.kill('SIGTERM');
    a.child.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    expect((await a.exited).code).toBe(0);
  });
});
