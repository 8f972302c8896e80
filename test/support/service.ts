import { DataService } from '../../data-service';
import { silentLogger } from '../../common/logger';
import type { ServiceOptions } from '../../common/service-types';
import type { ProviderScript } from '../../testkit';

const running: DataService[] = [];

/** A service with a silent logger, stopped after the test. */
export async function startService(options: ServiceOptions = {}): Promise<DataService> {
  const service = await DataService.start({ logger: silentLogger(), ...options });
  running.push(service);
  return service;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.stop()));
});

/** A service with `script` added as provider `feed`, and one session: the common start of a service test. */
export async function startFeed(script: ProviderScript, options: ServiceOptions = {}): Promise<{ service: DataService; script: ProviderScript; session: string }> {
  const service = await startService(options);
  await service.addProvider('feed', script.factory);
  return { service, script, session: await service.newSession() };
}
