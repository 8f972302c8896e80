import { ProviderScript } from '../testkit/scripted-provider';
import { EnvelopeRecorder } from '../testkit/wait';
import { startService } from './support/service';

describe('a stalled provider holds up nothing else', () => {
  it('sessions are created, configured and served while another provider is stuck in subscribe', async () => {
    const service = await startService({ providerCallTimeoutMs: 60_000 });
    const slow = new ProviderScript();
    const fast = new ProviderScript();
    await service.addProvider('slow', slow.factory);
    await service.addProvider('fast', fast.factory);
    const release = slow.stallNext('subscribe');
    const stuck = await service.newSession();
    const stuckConfigure = service.configureSession(stuck, ['slow::x']);

    const session = await service.newSession();
    const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
    expect(await service.configureSession(session, ['fast::y'])).toEqual(['fast::y']);
    fast.emit('y', 'served');
    await recorder.waitFor((r) => r.messages.length === 1);
    // Another session may even use the stalled provider's namespace for streams already flowing.
    expect((await service.stats()).sessions).toHaveLength(2);

    release();
    expect(await stuckConfigure).toEqual(['slow::x']);
  });

  it('a subscribe that never answers fails the configure with STREAM_START_FAILED and restarts the provider', async () => {
    const service = await startService({ providerCallTimeoutMs: 100, providerRestart: { initialBackoffMs: 1 } });
    const slow = new ProviderScript();
    await service.addProvider('slow', slow.factory);
    slow.stallNext('subscribe');
    const session = await service.newSession();
    const error = await service.configureSession(session, ['slow::x']).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STREAM_START_FAILED' });
    expect((error as Error).message).toMatch(/longer than 100 ms/);
    expect((await service.stats()).sessions[0].patterns).toEqual([]);
  });
});
