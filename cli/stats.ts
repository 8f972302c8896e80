import { Remote } from './remote';

/** `tessera stats`: asks the gateway once and prints the stats as indented JSON. */
export async function stats(options: { readonly url: string; readonly token?: string }): Promise<number> {
  const remote = await Remote.connect(options.url, options.token);
  try {
    const { op: _op, ref: _ref, ...body } = await remote.ask({ op: 'stats' });
    await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(body, null, 2) + '\n', () => resolve()));
    return 0;
  } finally {
    await remote.close();
  }
}
