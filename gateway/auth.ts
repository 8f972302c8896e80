import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token a client offered: `Authorization: Bearer …` first, else the `?token=` query parameter. */
export function offeredToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match) return match[1];
  }
  try {
    return new URL(request.url ?? '/', 'http://gateway.invalid').searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks tokens in constant time: comparing equal-length digests hides both the content and
 * the length of the expected token from timing.
 */
export class TokenCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  accepts(request: IncomingMessage): boolean {
    const offered = offeredToken(request);
    // Digest something even when nothing was offered, so that path costs the same.
    const actual = digest(offered ?? '');
    return timingSafeEqual(actual, this.expected) && offered !== undefined;
  }
}
