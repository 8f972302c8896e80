/** A JSON value as it crosses the service boundary. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a message carries: a JSON value, or raw bytes. */
export type Payload = JsonValue | Uint8Array;
