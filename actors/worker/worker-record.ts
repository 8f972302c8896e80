import { toError } from '../../common/errors';
import type { StreamFailure } from '../../providers/contract';
import type { Identifier } from '../../router/identifier';
import type { Worker, WorkerFactory } from '../../workers/contract';
import type { HostMsg } from '../provider/provider-host';
import { ProviderRecord, type ProviderEnv } from '../provider/provider-record';
import type { StreamHost } from '../provider/stream-refs';
import { InputPort } from './input-port';
import { WorkerInputs, type InputsEnv } from './worker-inputs';

export interface WorkerEnv extends InputsEnv {
  /** Input messages that may wait for the worker's turn before further ones are dropped. */
  readonly maxPendingInputs: number;
}

/** What `inputs(id)` said, checked: the patterns, or why the stream cannot start. */
function inputsOf(worker: Worker, id: Identifier): readonly string[] | string {
  try {
    if (typeof worker.inputs !== 'function') return 'this is not a worker: it has no inputs()';
    const patterns: unknown = worker.inputs(id);
    if (!Array.isArray(patterns) || !patterns.every((p) => typeof p === 'string')) return 'inputs() must return an array of pattern strings';
    return [...(patterns as string[])];
  } catch (error) {
    return `inputs() threw: ${toError(error).message}`;
  }
}

/**
 * A worker under supervision: a provider record (host actor, streams, restarts with backoff and
 * intensity) whose stream calls also bind and release the inputs each derived stream needs, and
 * whose host is handed input batches in its own turn.
 */
export class WorkerRecord extends ProviderRecord {
  readonly port: InputPort;
  readonly inputs: WorkerInputs;
  private readonly deliver: HostMsg;
  private lossRuns = 0;

  constructor(name: string, source: Worker | WorkerFactory, env: ProviderEnv, workerEnv: WorkerEnv) {
    super(name, source, env);
    this.port = new InputPort(workerEnv.maxPendingInputs, () => this.inputLost());
    this.inputs = new WorkerInputs(name, workerEnv, this.port);
    this.deliver = { type: 'run', what: 'receive', task: (worker) => this.receive(worker as Worker) };
  }

  protected override streamHost(): StreamHost {
    const base = super.streamHost();
    return {
      subscribe: async (ids) => {
        const needs = (await this.call<unknown>((reply) => ({ type: 'run', what: 'inputs', task: (w) => ids.map((id) => inputsOf(w as Worker, id)), reply }))) as (readonly string[] | string)[];
        const failures: StreamFailure[] = [];
        const toStart: [Identifier, readonly string[]][] = [];
        ids.forEach((id, i) => {
          const need = needs[i];
          if (typeof need === 'string') failures.push({ id, reason: need });
          else toStart.push([id, need]);
        });
        if (toStart.length === 0) return failures;
        const refused = await base.subscribe(toStart.map(([id]) => id));
        failures.push(...refused);
        const refusedIds = new Set(refused.map((f) => f.id.canonical));
        const undo: Identifier[] = [];
        for (const [id, patterns] of toStart) {
          if (refusedIds.has(id.canonical)) continue;
          const reason = await this.inputs.bind(id.canonical, patterns);
          if (reason === undefined) continue;
          failures.push({ id, reason });
          undo.push(id);
        }
        if (undo.length > 0) await base.unsubscribe(undo);
        return failures;
      },
      unsubscribe: async (ids) => {
        try {
          await base.unsubscribe(ids);
        } finally {
          await this.inputs.release(ids.map((id) => id.canonical));
        }
      },
    };
  }

  protected override launched(): void {
    this.port.connect(() => this.sendToHost(this.deliver));
  }

  override crashed(incarnation: number, error: Error): void {
    if (incarnation === this.incarnation) this.port.disconnect();
    super.crashed(incarnation, error);
    if (this.state === 'failed') void this.inputs.close();
  }

  override async restartDue(incarnation: number): Promise<void> {
    await super.restartDue(incarnation);
    if (this.state !== 'running') return;
    await this.inputs.keepOnly(new Set(this.streams.wanted().map((id) => id.canonical)));
    // Its streams are subscribed again on the new incarnation: a book input's state must follow, or its book stays empty.
    await this.inputs.restate();
  }

  override async stop(): Promise<void> {
    this.port.disconnect();
    await this.inputs.close();
    await super.stop();
  }

  /** Namespace `namespace` was removed: the streams that read it lose those inputs and are told so. */
  async inputsGone(namespace: string): Promise<void> {
    const hit = await this.inputs.dropNamespace(namespace);
    const event = (id: string) => ({ kind: 'stream-down', id, reason: `its input namespace "${namespace}" was removed` }) as const;
    for (const id of hit) this.env.toManager({ type: 'provider-event', name: this.name, incarnation: this.incarnation, event: event(id) });
  }

  private receive(worker: Worker): void {
    const chunks = this.port.take();
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i];
      if ('kind' in chunk) {
        // Emitted after what the worker derived from the messages before the input's gap.
        for (const derived of this.inputs.fedBy(chunk.id)) this.gap(derived, `input ${chunk.id}: ${chunk.reason}`);
      } else worker.receive(chunk);
    }
  }

  private inputLost(): void {
    // While restarting, the restart's own gap notices cover the loss.
    if (this.state !== 'running') return;
    if (this.lossRuns++ < 10) this.logger.warn('worker input dropped: its streams get a gap notice', { dropped: this.port.dropped });
    for (const id of this.streams.live()) this.gap(id.canonical, 'input-dropped');
  }

  private gap(id: string, reason: string): void {
    this.env.port.gap({ type: 'notice', kind: 'gap', id, reason });
  }
}
