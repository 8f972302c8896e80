import type { MessageEnvelope, Notice } from '../common/envelope';
import type { JsonValue, Payload } from '../common/json';
import type { AnswerFrame, GatewayErrorCode, Ref } from '../client/protocol';

/** Every server → client frame except `msg`/`batch`, which are encoded from envelopes below. */
export type ServerFrame = AnswerFrame;
export type { GatewayErrorCode };

/** Answers carry the request's `ref` (placed first so people reading frames see it). */
export function encodeAnswer(frame: ServerFrame, ref: Ref | undefined): string {
  return JSON.stringify(ref === undefined ? frame : { ref, ...frame });
}

export function encodeError(code: GatewayErrorCode, message: string, ref?: Ref): string {
  return encodeAnswer({ op: 'error', code, message }, ref);
}

export function encodeNotice(notice: Notice): string {
  // `type` is the library's discriminator; on the wire the frame's `op` says it.
  const { type: _type, ...fields } = notice;
  return JSON.stringify({ op: 'notice', ...fields });
}

/**
 * The same envelope object reaches every session it matches, so its text is computed once and
 * shared by every socket it goes to. Weak keys: the text goes when the envelope does.
 */
const encoded = new WeakMap<MessageEnvelope, string>();

/**
 * `{"op":"msg","id","seq","epoch","ts","eventTs"?,"payload","state"?,"cached"?}`; bytes travel
 * as `"bytes":"<base64>"`.
 */
export function encodeMessage(msg: MessageEnvelope): string {
  let text = encoded.get(msg);
  if (text === undefined) {
    text = JSON.stringify(messageFields(msg));
    encoded.set(msg, text);
  }
  return text;
}

function messageFields(msg: MessageEnvelope): Record<string, JsonValue> {
  const fields: Record<string, JsonValue> = { op: 'msg', id: msg.id, seq: msg.seq, epoch: msg.epoch, ts: msg.ts };
  if (msg.eventTs !== undefined) fields.eventTs = msg.eventTs;
  const payload: Payload = msg.payload;
  if (payload instanceof Uint8Array) fields.bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  else fields.payload = payload;
  if (msg.state === true) fields.state = true;
  if (msg.cached === true) fields.cached = true;
  return fields;
}

/** Several messages in one frame; the items are the same texts single `msg` frames use. */
export function encodeBatch(messages: readonly MessageEnvelope[]): string {
  return batchOf(messages.map(encodeMessage));
}

/** A `batch` frame of already-encoded `msg` texts. */
export function batchOf(items: readonly string[]): string {
  return `{"op":"batch","items":[${items.join(',')}]}`;
}
