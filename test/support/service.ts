import { DataService } from '../../data-service';
import { silentLogger } from '../../common/logger';
import type { ServiceOptions } from '../../common/service-types';

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
