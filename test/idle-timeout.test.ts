import { startService } from './support/service';

/** Only timers are faked: nact runs every message in its own setImmediate. */
beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

async function exists(service: Awaited<ReturnType<typeof startService>>, id: string): Promise<boolean> {
  return (await service.stats()).sessions.some((s) => s.id === id);
}

describe('idle timeout', () => {
  it('is armed when the session is created', async () => {
    const service = await startService();
    const id = await service.newSession({ idleAfterMs: 1000 });
    await jest.advanceTimersByTimeAsync(999);
    expect(await exists(service, id)).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(await exists(service, id)).toBe(false);
  });

  it('is disarmed on attach and armed again on detach', async () => {
    const service = await startService();
    const id = await service.newSession({ idleAfterMs: 1000 });
    await jest.advanceTimersByTimeAsync(600);
    await service.attachClient(id);
    await jest.advanceTimersByTimeAsync(5000);
    expect(await exists(service, id)).toBe(true);
    await service.detachClient(id);
    await jest.advanceTimersByTimeAsync(999);
    expect(await exists(service, id)).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(await exists(service, id)).toBe(false);
    await expect(service.attachClient(id)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it.each([0, -1])('never fires when idleAfterMs is %d', async (idleAfterMs) => {
    const service = await startService();
    const id = await service.newSession({ idleAfterMs });
    await service.attachClient(id);
    await service.detachClient(id);
    await jest.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(await exists(service, id)).toBe(true);
  });
});
