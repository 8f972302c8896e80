/**
 * Bytes that every session's out-buffer draws from together, so a thousand slow clients cannot
 * hold a thousand times one client's allowance. A message shared by several buffers is counted
 * in each (an upper bound: the budget may be reached before memory really is).
 */
export class ByteBudget {
  used = 0;

  constructor(readonly limit: number) {}

  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }
}
