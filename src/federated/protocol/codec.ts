/**
 * Encodes protocol messages to binary frames and decodes them back, validating everything on the
 * way in. The transport calls `encodeMessage` before sending and `decodeMessage` on every binary
 * message it receives. Pure: runs in Node and in browsers.
 */
import { ProtocolError } from '../../errors.js';
import type { Vectors } from '../strategy.js';
import { dtypeOf, readFrame, writeFrame, issuePath, type WireTensor } from './frame.js';
import { resolveLimits, type MessageLimits } from './limits.js';
import {
  EXTRA_NAME_PATTERN,
  FORMAT_VERSION,
  HEADER_SCHEMAS,
  MESSAGE_TYPE_CODES,
  TENSOR_GROUPS,
  TENSOR_PREFIXES,
  type BinaryTensors,
  type Message,
  type MessageType,
  type TensorGroup,
} from './messages.js';
import { formatShape, shapeSize, type NamedTensor } from './tensors.js';

function isMessageType(type: unknown): type is MessageType {
  return typeof type === 'string' && Object.hasOwn(MESSAGE_TYPE_CODES, type);
}

/** The message's fields that go into the JSON header (all but `type` and its tensor groups). */
function headerFieldsOf(msg: Message): Record<string, unknown> {
  const groups: readonly string[] = TENSOR_GROUPS[msg.type];
  return Object.fromEntries(Object.entries(msg).filter(([key, value]) => key !== 'type' && !groups.includes(key) && value !== undefined));
}

/** The message's tensors with their wire names, params first (in their order), then extras, then binary data. */
function wireTensorsOf(msg: Message): WireTensor[] {
  const out: WireTensor[] = [];
  const groups = TENSOR_GROUPS[msg.type];
  const record = msg as unknown as Partial<Record<TensorGroup, unknown>>;
  for (const group of groups) {
    const value = record[group];
    if (group === 'params') {
      if (!Array.isArray(value)) throw new ProtocolError(`cannot encode ${msg.type}: field 'params' must be an array of named tensors`);
      for (const t of value as NamedTensor[]) {
        if (!(t.values instanceof Float32Array)) throw new ProtocolError(`cannot encode ${msg.type}: parameter '${t.name}' values must be a Float32Array`);
        out.push({ ...t, name: `${TENSOR_PREFIXES.params}${t.name}` });
      }
    } else if (group === 'data') {
      if (value === undefined && msg.type === 'fitReply') continue; // a fit reply carries data only when compressed
      if (typeof value !== 'object' || value === null) throw new ProtocolError(`cannot encode ${msg.type}: field 'data' must be an object of binary tensors`);
      for (const [name, t] of Object.entries(value as BinaryTensors)) {
        if (!EXTRA_NAME_PATTERN.test(name)) throw new ProtocolError(`cannot encode ${msg.type}: data tensor name '${name}' must match ${EXTRA_NAME_PATTERN}`);
        if (!(t.values instanceof Uint8Array || t.values instanceof Uint32Array)) throw new ProtocolError(`cannot encode ${msg.type}: data tensor '${name}' must be a Uint8Array or Uint32Array`);
        out.push({ name: `${TENSOR_PREFIXES.data}${name}`, shape: [...t.shape], values: t.values });
      }
    } else {
      if (typeof value !== 'object' || value === null) throw new ProtocolError(`cannot encode ${msg.type}: field 'extras' must be an object of Float32Arrays ({} for none)`);
      for (const [name, values] of Object.entries(value as Vectors)) {
        if (!(values instanceof Float32Array)) throw new ProtocolError(`cannot encode ${msg.type}: extra vector '${name}' must be a Float32Array`);
        if (!EXTRA_NAME_PATTERN.test(name)) throw new ProtocolError(`cannot encode ${msg.type}: extra vector name '${name}' must match ${EXTRA_NAME_PATTERN}`);
        out.push({ name: `${TENSOR_PREFIXES.extras}${name}`, shape: [values?.length ?? 0], values });
      }
    }
  }
  return out;
}

/**
 * Encodes a message as one binary frame (one WebSocket binary message). Validates the header
 * fields against the type's schema first, so an invalid message (a NaN metric, a fractional
 * round) fails here with a ProtocolError naming the field rather than at the receiver. Also
 * refuses a message above `limits` (pass the peer's limit to learn before sending).
 * Tensor values are copied into the frame; the message is not modified.
 */
export function encodeMessage(msg: Message, limits: Partial<MessageLimits> = {}): Uint8Array {
  const resolved = resolveLimits(limits);
  const type: unknown = (msg as { type?: unknown } | null)?.type;
  if (!isMessageType(type)) throw new ProtocolError(`cannot encode: unknown message type '${String(type)}'`);
  const fields = headerFieldsOf(msg);
  const parsed = HEADER_SCHEMAS[type].safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(`cannot encode ${type}: field '${issuePath(issue.path) || '(header)'}': ${issue.message}`);
  }
  return writeFrame(type, FORMAT_VERSION, fields, wireTensorsOf(msg), resolved);
}

/**
 * Splits a decoded frame's tensors into the groups its type carries, by wire-name prefix.
 * Parameters and extras must be float32; binary data (secure aggregation) uint8 or uint32.
 */
function groupTensors(type: MessageType, tensors: readonly WireTensor[]): { params: NamedTensor[]; extras: Vectors; data: BinaryTensors } {
  const groups = TENSOR_GROUPS[type];
  const params: NamedTensor[] = [];
  const extras: Vectors = {};
  const data: BinaryTensors = {};
  for (const t of tensors) {
    const group = groups.find((g) => t.name.startsWith(TENSOR_PREFIXES[g]) && t.name.length > TENSOR_PREFIXES[g].length);
    if (group === undefined) {
      const expected = groups.length === 0 ? 'it carries no tensors' : `its tensors are named ${groups.map((g) => `${TENSOR_PREFIXES[g]}<name>`).join(' or ')}`;
      throw new ProtocolError(`${type}: unexpected tensor '${t.name}'; ${expected}`);
    }
    const name = t.name.slice(TENSOR_PREFIXES[group].length);
    const values = t.values;
    if (group === 'data') {
      if (!(values instanceof Uint8Array || values instanceof Uint32Array)) throw new ProtocolError(`${type}: tensor '${t.name}' has dtype '${dtypeOf(values)}'; binary data (secure aggregation, compressed updates) is uint8 or uint32`);
      if (!EXTRA_NAME_PATTERN.test(name)) throw new ProtocolError(`${type}: data tensor name '${name}' must match ${EXTRA_NAME_PATTERN}`);
      if (shapeSize(t.shape) !== values.length) throw new ProtocolError(`${type}: data tensor '${name}' has ${values.length} values for shape ${formatShape(t.shape)}`);
      data[name] = { shape: t.shape, values };
      continue;
    }
    if (!(values instanceof Float32Array)) throw new ProtocolError(`${type}: tensor '${t.name}' has dtype '${dtypeOf(values)}'; parameters and extras are float32`);
    if (group === 'params') params.push({ name, shape: t.shape, values });
    else {
      if (!EXTRA_NAME_PATTERN.test(name)) throw new ProtocolError(`${type}: extra vector name '${name}' must match ${EXTRA_NAME_PATTERN}`);
      if (t.shape.length !== 1) throw new ProtocolError(`${type}: extra vector '${name}' must have a 1-D shape, got [${t.shape.join(', ')}]`);
      extras[name] = values;
    }
  }
  return { params, extras, data };
}

/**
 * Decodes and validates one binary frame. Throws ProtocolError, with the precise reason, for
 * anything malformed: too large, truncated, bad magic, unsupported version, unknown type code,
 * non-zero flags/reserved/padding, a header length beyond the message or the limit, invalid
 * UTF-8 or JSON, a header field failing the type's schema (named), an inconsistent tensor table
 * (overlap, past the payload, length ≠ product of shape, an unknown dtype, gaps), or tensors
 * the type does not carry (or of a dtype their group does not take: float32 for parameters and
 * extras, uint8/uint32 for secure aggregation data). Never throws another error type for bad bytes (invalid `limits` are
 * a caller bug: ConfigError).
 *
 * Tensor values are typed-array views on `bytes` (no copy) when the payload is 4-byte aligned in
 * its buffer, else on one copy of the payload. `bytes` may be a Node Buffer.
 */
export function decodeMessage(bytes: Uint8Array, limits: Partial<MessageLimits> = {}): Message {
  const resolved = resolveLimits(limits);
  try {
    const frame = readFrame(bytes, resolved);
    const parsed = HEADER_SCHEMAS[frame.type].safeParse(frame.fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issuePath(issue.path);
      const detail = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}` : `field '${path || '(header)'}': ${issue.message}`;
      throw new ProtocolError(`${frame.type}: header ${detail}`);
    }
    const groups = TENSOR_GROUPS[frame.type];
    const { params, extras, data } = groupTensors(frame.type, frame.tensors);
    const msg: Record<string, unknown> = { type: frame.type, ...parsed.data };
    if (groups.includes('params')) msg.params = params;
    if (groups.includes('extras')) msg.extras = extras;
    if (groups.includes('data') && (frame.type !== 'fitReply' || Object.keys(data).length > 0)) msg.data = data;
    return msg as unknown as Message;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    // Defence in depth: whatever a hostile message triggers below (e.g. a RangeError from very
    // deep JSON), the caller sees one error type.
    throw new ProtocolError(`malformed message: ${err instanceof Error ? err.message : String(err)}`);
  }
}
