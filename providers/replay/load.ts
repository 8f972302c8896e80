import { open, type FileHandle } from 'node:fs/promises';
import type { Payload } from '../../common/json';
import type { Logger } from '../../common/logger';
import { Identifier, parseIdentifier } from '../../router/identifier';
import { parseRecordingLine } from './recording';

/** One playable line, its identifier already parsed and moved into the replay namespace. */
export interface ReplayRecord {
  readonly id: Identifier;
  readonly ts: number;
  /** The recorded eventTs, or the recorded ts when the line had none. */
  readonly eventTs: number;
  readonly payload: Payload;
}

export interface LoadedRecording {
  readonly records: readonly ReplayRecord[];
  /** Distinct identifiers in file order of first appearance, by canonical text. */
  readonly ids: ReadonlyMap<string, Identifier>;
  /** Non-blank lines read. */
  readonly lines: number;
  readonly badLines: number;
}

/**
 * Reads a whole NDJSON recording. Blank lines are ignored; bad lines are counted and skipped,
 * each logged (up to `maxBadLineLogs`, then one last warning). Ids are re-homed into
 * `namespace`: a line recorded as `synthetic::btcusdt.ticks` replays as `<namespace>::btcusdt.ticks`,
 * and an id without `::` is taken to be in `namespace` already.
 */
export async function loadRecording(file: string, namespace: string, logger: Logger, maxBadLineLogs: number): Promise<LoadedRecording> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new Error(`replay: cannot open recording "${file}": ${(error as Error).message}`, { cause: error });
  }
  const records: ReplayRecord[] = [];
  const byText = new Map<string, Identifier>();
  const ids = new Map<string, Identifier>();
  let lineNo = 0;
  let lines = 0;
  let badLines = 0;
  const bad = (error: string): void => {
    badLines++;
    if (badLines <= maxBadLineLogs) logger.warn('bad recording line skipped', { file, error });
    if (badLines === maxBadLineLogs + 1) logger.warn('further bad recording lines are counted, not logged', { file });
  };
  try {
    for await (const line of handle.readLines({ encoding: 'utf8' })) {
      lineNo++;
      // Editors on some systems start a UTF-8 file with a byte-order mark; it is not part of the JSON.
      const text = lineNo === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      if (text.trim() === '') continue;
      lines++;
      const parsed = parseRecordingLine(text, lineNo);
      if (!parsed.ok) {
        bad(parsed.error);
        continue;
      }
      const { record } = parsed;
      let id = byText.get(record.id);
      if (!id) {
        try {
          id = rehome(record.id, namespace);
        } catch (error) {
          bad(`line ${lineNo}: ${(error as Error).message}`);
          continue;
        }
        // Two spellings of one stream share one Identifier object.
        const known = ids.get(id.canonical);
        if (known) id = known;
        else ids.set(id.canonical, id);
        byText.set(record.id, id);
      }
      records.push({ id, ts: record.ts, eventTs: record.eventTs ?? record.ts, payload: record.payload });
    }
  } catch (error) {
    throw new Error(`replay: cannot read recording "${file}": ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { records, ids, lines, badLines };
}

function rehome(text: string, namespace: string): Identifier {
  const parsed = parseIdentifier(text.includes('::') ? text : `${namespace}::${text}`);
  return parsed.namespace === namespace ? parsed : Identifier.fromTags(namespace, parsed.tags);
}
