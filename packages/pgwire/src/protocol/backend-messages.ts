/**
 * Backend (server → client) messages of protocol 3.0 as byte buffers. One function per message;
 * nothing here knows about sessions or SQL.
 */
export interface FieldDescription {
  readonly name: string;
  readonly tableOid: number;
  readonly columnAttr: number;
  readonly typeOid: number;
  readonly typeSize: number;
  readonly typeModifier: number;
  /** 0 = text, 1 = binary. */
  readonly format: number;
}

class Writer {
  private parts: Buffer[] = [];
  private size = 0;

  int8(v: number): this {
    return this.push(Buffer.from([v & 0xff]));
  }

  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v | 0);
    return this.push(b);
  }

  cstring(s: string): this {
    return this.push(Buffer.from(`${s}\0`, 'utf8'));
  }

  push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }

  frame(type: string): Buffer {
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeInt32BE(this.size + 4, 1);
    return Buffer.concat([header, ...this.parts], this.size + 5);
  }
}

const w = (): Writer => new Writer();

export const authenticationOk = (): Buffer => w().int32(0).frame('R');
export const authenticationCleartextPassword = (): Buffer => w().int32(3).frame('R');
export const authenticationSasl = (mechanisms: readonly string[]): Buffer => {
  const writer = w().int32(10);
  for (const m of mechanisms) writer.cstring(m);
  return writer.int8(0).frame('R');
};
export const authenticationSaslContinue = (data: string): Buffer => w().int32(11).push(Buffer.from(data, 'utf8')).frame('R');
export const authenticationSaslFinal = (data: string): Buffer => w().int32(12).push(Buffer.from(data, 'utf8')).frame('R');

export const parameterStatus = (name: string, value: string): Buffer => w().cstring(name).cstring(value).frame('S');
export const backendKeyData = (pid: number, secret: number): Buffer => w().int32(pid).int32(secret).frame('K');
/** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
export const readyForQuery = (status: 'I' | 'T' | 'E'): Buffer => w().push(Buffer.from(status, 'latin1')).frame('Z');

export const parseComplete = (): Buffer => w().frame('1');
export const bindComplete = (): Buffer => w().frame('2');
export const closeComplete = (): Buffer => w().frame('3');
export const noData = (): Buffer => w().frame('n');
export const portalSuspended = (): Buffer => w().frame('s');
export const emptyQueryResponse = (): Buffer => w().frame('I');
export const commandComplete = (tag: string): Buffer => w().cstring(tag).frame('C');

export const parameterDescription = (oids: readonly number[]): Buffer => {
  const writer = w().int16(oids.length);
  for (const oid of oids) writer.int32(oid);
  return writer.frame('t');
};

export const rowDescription = (fields: readonly FieldDescription[]): Buffer => {
  const writer = w().int16(fields.length);
  for (const f of fields) {
    writer.cstring(f.name).int32(f.tableOid).int16(f.columnAttr).int32(f.typeOid).int16(f.typeSize).int32(f.typeModifier).int16(f.format);
  }
  return writer.frame('T');
};

/** One DataRow; `null` is SQL NULL (length -1). */
export const dataRow = (values: readonly (Buffer | null)[]): Buffer => {
  const writer = w().int16(values.length);
  for (const v of values) {
    if (v === null) writer.int32(-1);
    else writer.int32(v.length).push(v);
  }
  return writer.frame('D');
};

export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

function fieldsFrame(type: 'E' | 'N', f: ErrorFields): Buffer {
  const writer = w().int8('S'.charCodeAt(0)).cstring(f.severity).int8('V'.charCodeAt(0)).cstring(f.severity)
    .int8('C'.charCodeAt(0)).cstring(f.code).int8('M'.charCodeAt(0)).cstring(f.message);
  if (f.detail !== undefined) writer.int8('D'.charCodeAt(0)).cstring(f.detail);
  if (f.hint !== undefined) writer.int8('H'.charCodeAt(0)).cstring(f.hint);
  return writer.int8(0).frame(type);
}

export const errorResponse = (f: ErrorFields): Buffer => fieldsFrame('E', f);
export const noticeResponse = (f: ErrorFields): Buffer => fieldsFrame('N', f);
