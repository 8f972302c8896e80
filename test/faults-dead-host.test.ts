import { waitUntil } from '../testkit/wait';
import { downNotices, feedService, managerCaughtUp, providerHosts, runRestart, timed } from './support/faults';

/** Far beyond any wait below: a call that fails only on its timeout fails these tests. */
const CALL_TIMEOUT_MS = 60_000;

describe('calls to a provider host that dies fail promptly (a nact query would wait out its whole timeout)', () => {
  const kills: [string, (s: Awaited<ReturnType<typeof feedService>>) => unknown][] = [
    ['is crashed by fault injection', (s) => s.service.crash({ provider: 'feed' })],
    ['calls ctx.fail', (s) => s.script.fail(new Error('upstream lost'))],
  ];

  it.each(kills)('a host stalled in subscribe that %s rejects the pending configure and the queued request at once', async (_, kill) => {
    const s = await feedService({ providerCallTimeoutMs: CALL_TIMEOUT_MS });
    s.script.stallNext('subscribe');
    const other = await s.service.newSession();
    const configure = s.service.configureSession(other, ['feed::b']);
    await waitUntil(() => s.script.callsOf('subscribe').length === 2, 5000, 'the stalled subscribe');
    const request = s.client.request('feed::a', 'queued behind the stall');
    await managerCaughtUp(s.service);

    const started = Date.now();
    await kill(s);
    await expect(configure).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    await expect(request).rejects.toMatchObject({ message: expect.stringContaining('crashed') });
    expect(Date.now() - started).toBeLessThan(1_000);

    // The service carries on: the provider restarts and serves the first session again.
    await downNotices(s, 1);
    expect(await runRestart(s)).toBe(200);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1);
    expect((await s.service.stats()).sessions.find((x) => x.id === other)?.patterns).toEqual([]);
  });

  it('a restart stalled in start that is then crashed fails the calls queued behind it at once', async () => {
    const s = await feedService({ providerCallTimeoutMs: CALL_TIMEOUT_MS });
    s.script.fail(new Error('crash'));
    await downNotices(s, 1);
    s.script.stallNext('start');
    await runRestart(s);
    await waitUntil(() => s.script.callsOf('start').length === 2, 5000, 'the stalled start');
    const request = s.client.request('feed::a', 'queued');
    const configure = s.service.configureSession(await s.service.newSession(), ['feed::b']);
    await managerCaughtUp(s.service);

    const elapsed = timed(Promise.allSettled([request, configure]));
    s.script.fail(new Error('start never finished'));
    expect(await elapsed).toBeLessThan(1_000);
    await expect(request).rejects.toThrow();
    await expect(configure).rejects.toMatchObject({ code: 'STREAM_START_FAILED' });
    // The failed start counts as the second crash: a doubled delay, then a working instance.
    await downNotices(s, 2);
    expect(await runRestart(s)).toBe(400);
    await s.recorder.waitFor((r) => r.notices('provider-up').length === 1);
  });

  it('removing a provider stalled in a call waits no longer than the call timeout, and stops it', async () => {
    const s = await feedService({ providerCallTimeoutMs: 300 });
    s.script.stallNext('subscribe');
    const configure = s.service.configureSession(await s.service.newSession(), ['feed::b']);
    await waitUntil(() => s.script.callsOf('subscribe').length === 2, 5000, 'the stalled subscribe');
    // Like an OTP shutdown timeout: the stalled call gets the call timeout, then the host is killed.
    expect(await timed(s.service.removeProvider('feed'))).toBeLessThan(5_000);
    await expect(configure).rejects.toMatchObject({ code: expect.stringMatching(/STREAM_START_FAILED|UNKNOWN_NAMESPACE/) });
    expect(s.script.callsOf('stop').map((c) => c.incarnation)).toEqual([1]);
    expect(providerHosts(s.service)).toEqual([]);
    expect(s.clock.pending).toBe(0);
  });
});
