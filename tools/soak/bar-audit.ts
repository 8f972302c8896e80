import type { Envelope } from '../../common/envelope';
import { ContinuityChecker } from '../../testkit/continuity';

interface Fill {
  readonly price: number;
  readonly amount: number;
}

interface TickBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
  readonly closed: boolean;
}

/**
 * Checks that a derived stream loses no input message unannounced. One session takes both a
 * tick-bar stream (`ticks=N`) and its input trades; each closed bar must be made of exactly the
 * next N trades the session received after the previous bar (open, high, low, close, volume).
 * Any notice (a `gap` on either stream, `dropped`, a provider or worker going down) breaks
 * the alignment: the next bar is then looked up among the trades received since, and checking
 * resumes from it. A bar that does not match while aligned is a loss nobody announced.
 */
export class BarAudit {
  readonly continuity = new ContinuityChecker();
  bars = 0;
  /** Bars matched trade for trade against the input. */
  checked = 0;
  /** Times the alignment was broken by a notice, and found again. */
  breaks = 0;
  realigned = 0;
  readonly violations: string[] = [];
  private fills: Fill[] = [];
  private cursor: number | undefined;

  constructor(
    readonly barId: string,
    readonly inputId: string,
    readonly ticks: number,
  ) {}

  observe(envelope: Envelope): void {
    this.continuity.observe(envelope);
    if (envelope.type === 'notice') {
      this.breaks++;
      this.fills = [];
      this.cursor = undefined;
      return;
    }
    if (envelope.id === this.inputId) {
      const p = envelope.payload as { price?: unknown; amount?: unknown };
      if (typeof p.price === 'number' && typeof p.amount === 'number') this.fills.push({ price: p.price, amount: p.amount });
      return;
    }
    if (envelope.id !== this.barId || envelope.state === true || envelope.cached === true) return;
    const bar = envelope.payload as unknown as TickBar;
    if (!bar.closed) return;
    this.bars++;
    if (this.cursor === undefined) {
      for (let i = 0; i + this.ticks <= this.fills.length; i++) {
        if (this.matches(bar, i)) {
          this.realigned++;
          this.advance(i + this.ticks);
          return;
        }
      }
      return; // made (in part) of trades from before the break: nothing to hold it to
    }
    if (this.matches(bar, this.cursor)) {
      this.checked++;
      this.advance(this.cursor + this.ticks);
    } else if (this.violations.length < 10) {
      const got = this.fills.slice(this.cursor, this.cursor + this.ticks);
      this.violations.push(`${this.barId} seq ${envelope.seq}: bar ${JSON.stringify(bar)} is not the next ${this.ticks} trades ${JSON.stringify(got)}`);
      this.cursor = undefined;
    }
  }

  private advance(to: number): void {
    this.fills = this.fills.slice(to);
    this.cursor = 0;
  }

  private matches(bar: TickBar, from: number): boolean {
    const window = this.fills.slice(from, from + this.ticks);
    if (window.length !== this.ticks || bar.trades !== this.ticks) return false;
    const prices = window.map((f) => f.price);
    const volume = window.reduce((n, f) => n + f.amount, 0);
    const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
    return bar.open === prices[0] && bar.close === prices[prices.length - 1] && bar.high === Math.max(...prices) && bar.low === Math.min(...prices) && close(bar.volume, volume);
  }
}
