import { randomBytes } from 'node:crypto';

/**
 * A fresh epoch: 8 url-safe characters (48 random bits), made once per origin of seq counters
 * (a service's own counters, a remote exporter) and shared by reference by all its messages.
 */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
