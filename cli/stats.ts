import { Channel, nodeTransport } from '../client';

/** `tessera stats`: asks the gateway once (no session needed) and prints the stats as indented JSON. */
export async function stats(options: { readonly url: string; readonly token?: string }): Promise<number> {
  const channel = await Channel.open(options.url, { transport: nodeTransport(), ...(options.token === undefined ? {} : { token: options.token }), onFrame: () => undefined });
  try {
    const body: Record<string, unknown> = { ...(await channel.ask<'stats'>({ op: 'stats' })) };
    delete body.op;
    delete body.ref;
    await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(body, null, 2) + '\n', () => resolve()));
    return 0;
  } finally {
    await channel.close();
  }
}
