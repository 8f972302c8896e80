import { BarsWorker } from '../../workers/bars/bars-worker';
import { ProviderScript } from '../../testkit/scripted-provider';
import { EnvelopeRecorder } from '../../testkit/wait';
import { ManualClock } from '../../testkit/manual-clock';
import { startService } from './service';

/** The 1 s bar of `feed::btcusdt.trade`, the stream the bars rig's tests watch. */
export const BAR = 'bars::bar[interval=1s;venue=feed].btcusdt';

/** A service on a manual clock with a scripted `feed` provider, the `bars` worker and one attached session. */
export async function startBarsRig() {
  const clock = new ManualClock();
  const service = await startService({ clock, faultInjection: true });
  const script = new ProviderScript();
  await service.addProvider('feed', script.factory);
  await service.addWorker('bars', () => new BarsWorker());
  const session = await service.newSession();
  const recorder = new EnvelopeRecorder((await service.attachClient(session)).envelopes);
  return { clock, service, script, session, recorder };
}
