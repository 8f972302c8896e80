import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayProvider } from '../providers/replay';
import { RecordingWriter } from '../providers/replay/recording';
import { SyntheticProvider } from '../providers/synthetic';
import { EnvelopeRecorder } from '../testkit/wait';
import { startService } from './support/service';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-record-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('record and replay', () => {
  it('a recording made from the synthetic provider replays to the same payloads in the same order', async () => {
    const file = join(dir, 'synthetic.ndjson');
    const live = await startService();
    await live.addProvider('synthetic', () => new SyntheticProvider({ seed: 7 }));
    const session = await live.newSession();
    const recorded = new EnvelopeRecorder((await live.attachClient(session, { outBuffer: 10_000 })).envelopes);
    await live.configureSession(session, ['synthetic::btcusdt.ticks[rate=2000]', 'synthetic::ethusdt.trades[rate=1000]']);
    await recorded.waitFor((r) => r.messages.length >= 300, 10_000, '300 live messages');
    const writer = await RecordingWriter.open(file);
    const sent = recorded.messages.slice(0, 300);
    for (const msg of sent) writer.write(msg);
    await writer.close();
    await live.stop();

    const replay = await startService();
    await replay.addProvider('tape', () => new ReplayProvider({ file, pace: 'fast' }));
    const listener = await replay.newSession();
    const played = new EnvelopeRecorder((await replay.attachClient(listener, { outBuffer: 10_000 })).envelopes);
    expect(await replay.configureSession(listener, ['tape::*'])).toEqual(['tape::*']);
    await played.waitFor((r) => r.messages.length === 300, 10_000, '300 replayed messages');
    expect(played.messages.map((m) => m.payload)).toEqual(sent.map((m) => m.payload));
    expect(played.messages.map((m) => m.id)).toEqual(sent.map((m) => m.id.replace('synthetic::', 'tape::')));
    expect(played.messages.map((m) => m.eventTs)).toEqual(sent.map((m) => m.eventTs));
  });
});
