import { ProviderScript } from '../testkit/scripted-provider';
import { waitUntil } from '../testkit/wait';
import { EXACT, downNotices, feedService, liveActors, managerCaughtUp, nactSystem, providerHosts } from './support/faults';

describe('stopping while a restart is pending cancels it', () => {
  it('removeProvider during the backoff: no timer left, no new incarnation, the name is free', async () => {
    const s = await feedService();
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    expect(s.clock.pending).toBe(1);
    await s.service.removeProvider('feed');
    expect(s.clock.pending).toBe(0);
    s.clock.advance(EXACT.maxBackoffMs * 10);
    await managerCaughtUp(s.service);
    expect(s.script.instances).toHaveLength(1);
    expect(providerHosts(s.service)).toEqual([]);
    expect(s.recorder.notices('unbound')).toEqual([expect.objectContaining({ namespace: 'feed', patterns: ['feed::a'] })]);

    const again = new ProviderScript();
    await s.service.addProvider('feed', again.factory);
    expect(again.instances).toHaveLength(1);
    expect(s.script.instances).toHaveLength(1);
  });

  it('service.stop() during the backoff: no timer left, no new incarnation, no actor', async () => {
    const s = await feedService();
    const system = nactSystem(s.service);
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    await s.service.stop();
    expect(s.clock.pending).toBe(0);
    s.clock.advance(EXACT.maxBackoffMs * 10);
    expect(s.script.instances).toHaveLength(1);
    expect(liveActors(system)).toEqual([]);
    expect(nactSystem(s.service)).toBeUndefined();
  });

  it('removeProvider right after the restart timer fired: whatever was launched is stopped again', async () => {
    const s = await feedService();
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    s.clock.step();
    // The restart is in the manager's mailbox, the removal right behind it.
    await s.service.removeProvider('feed');
    await waitUntil(() => s.script.callsOf('stop').length === s.script.instances.length, 5000, 'every instance stopped');
    await managerCaughtUp(s.service);
    expect(providerHosts(s.service)).toEqual([]);
    expect(s.clock.pending).toBe(0);
    expect((await s.service.stats()).providers).toEqual([]);
  });

  it('service.stop() while a restart is starting leaves nothing behind', async () => {
    const s = await feedService({ providerCallTimeoutMs: 60_000 });
    const system = nactSystem(s.service);
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    const release = s.script.stallNext('start');
    s.clock.step();
    await waitUntil(() => s.script.callsOf('start').length === 2, 5000, 'the restart');
    const stopping = s.service.stop();
    release();
    await stopping;
    expect(s.clock.pending).toBe(0);
    expect(liveActors(system)).toEqual([]);
    expect(s.script.callsOf('stop').map((c) => c.incarnation)).toContain(2);
  });
});

describe('stopping while a provider is still being added', () => {
  it('removeProvider during addProvider: the add fails and nothing is left', async () => {
    const s = await feedService();
    const late = new ProviderScript();
    const release = late.stallNext('start');
    const adding = s.service.addProvider('late', late.factory);
    await waitUntil(() => late.callsOf('start').length === 1, 5000, 'the start');
    const removing = s.service.removeProvider('late');
    await managerCaughtUp(s.service);
    release();
    await expect(adding).rejects.toMatchObject({ code: 'PROVIDER_START_FAILED', message: expect.stringContaining('removed') });
    await removing;
    expect(late.callsOf('stop')).toHaveLength(1);
    expect((await s.service.stats()).providers.map((p) => p.name)).toEqual(['feed']);
    expect(providerHosts(s.service)).toEqual([expect.stringMatching(/^p-feed-/)]);
  });

  it('service.stop() during addProvider: the add fails with SHUTTING_DOWN and nothing is left', async () => {
    const s = await feedService();
    const system = nactSystem(s.service);
    const late = new ProviderScript();
    const release = late.stallNext('start');
    const adding = s.service.addProvider('late', late.factory);
    await waitUntil(() => late.callsOf('start').length === 1, 5000, 'the start');
    const stopping = s.service.stop();
    // The manager closes every session first: the stop is under way.
    await s.recorder.waitFor((r) => r.completed, 5000, 'the stop under way');
    release();
    await expect(adding).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await stopping;
    expect(late.callsOf('stop')).toHaveLength(1);
    expect(liveActors(system)).toEqual([]);
  });
});
