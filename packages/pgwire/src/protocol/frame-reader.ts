/**
 * Splits the bytes of one client socket into protocol frames (PostgreSQL protocol 3.0, "Message
 * Formats"). Before the startup completes frames have no type byte (`Int32 length` + body:
 * StartupMessage, SSLRequest, CancelRequest, GSSENCRequest); afterwards every frame is
 * `Byte1 type` + `Int32 length` (length counts itself, not the type byte).
 *
 * Invariant: a frame is returned only once all its bytes arrived; a length outside
 * [4, MAX_FRAME_BYTES] is a protocol violation (the connection is closed, never the server).
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface Frame {
  /** The type byte as a character ('Q', 'P', …); '' for the untyped startup frames. */
  readonly type: string;
  readonly body: Buffer;
}

export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** True until the startup frame (StartupMessage) was read: frames are then untyped. */
  untyped = true;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws ProtocolViolation. */
  next(): Frame | undefined {
    const header = this.untyped ? 4 : 5;
    if (this.buffer.length < header) return undefined;
    const type = this.untyped ? '' : String.fromCharCode(this.buffer[0] ?? 0);
    const length = this.buffer.readInt32BE(this.untyped ? 0 : 1);
    if (length < 4 || length > MAX_FRAME_BYTES) throw new ProtocolViolation(`invalid message length ${length}`);
    const total = length + (this.untyped ? 0 : 1);
    if (this.buffer.length < total) return undefined;
    const body = this.buffer.subarray(header, total);
    this.buffer = this.buffer.subarray(total);
    return { type, body };
  }
}

/** Sequential reads over a frame body (Int16/Int32, NUL-terminated strings, byte runs). */
export class BodyReader {
  private offset = 0;
  private readonly body: Buffer;

  constructor(body: Buffer) {
    this.body = body;
  }

  private need(n: number): void {
    if (this.offset + n > this.body.length) throw new ProtocolViolation('message shorter than its fields');
  }

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.body[this.offset++] ?? 0;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolViolation('string without terminator');
    const s = this.body.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.body.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  rest(): Buffer {
    const b = this.body.subarray(this.offset);
    this.offset = this.body.length;
    return b;
  }

  get remaining(): number {
    return this.body.length - this.offset;
  }
}
