// Encoders for the TDS response tokens this server sends (login, errors, done, env changes).

/** Latin1_General_CI_AS, the collation announced for every character column. */
export const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** UTF-16LE bytes of a string, as TDS sends text. */
export function ucs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}

/** A B_VARCHAR: one length byte (in characters) then the UTF-16 text. */
export function bVarchar(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), ucs2(text)]);
}

/** A US_VARCHAR: two length bytes (in characters) then the UTF-16 text. */
export function usVarchar(text: string): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16LE(text.length);
  return Buffer.concat([len, ucs2(text)]);
}

function withLength(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16LE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** DONE status bits. */
export const DoneStatus = { final: 0x00, more: 0x01, error: 0x02, count: 0x10, attention: 0x20 } as const;

/** Which DONE token: DONE after a batch statement, DONEPROC / DONEINPROC inside an RPC. */
export type DoneKind = 'done' | 'doneProc' | 'doneInProc';

const DONE_TOKEN: Record<DoneKind, number> = { done: 0xfd, doneProc: 0xfe, doneInProc: 0xff };

/** A DONE-family token with its status, current command and row count. */
export function doneToken(kind: DoneKind, status: number, rowCount = 0, command = 0xc1): Buffer {
  const b = Buffer.alloc(13);
  b[0] = DONE_TOKEN[kind];
  b.writeUInt16LE(status, 1);
  b.writeUInt16LE(command, 3);
  b.writeBigUInt64LE(BigInt(rowCount), 5);
  return b;
}

/** RETURNSTATUS token (an RPC's return value). */
export function returnStatusToken(value: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0x79;
  b.writeInt32LE(value, 1);
  return b;
}

/** An ERROR (0xAA) or INFO (0xAB) token carrying a SQL Server message number. */
export function messageToken(opts: { number: number; message: string; state?: number; severity?: number; server?: string; info?: boolean }): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt32LE(opts.number, 0);
  fixed[4] = opts.state ?? 1;
  fixed[5] = opts.severity ?? 16;
  const line = Buffer.alloc(4);
  line.writeUInt32LE(1);
  const body = Buffer.concat([fixed, usVarchar(opts.message), bVarchar(opts.server ?? 'SANDBOX'), bVarchar(''), line]);
  return withLength(opts.info ? 0xab : 0xaa, body);
}

/** ENVCHANGE token for string-valued changes (1 database, 4 packet size, ...). */
export function envChangeToken(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  return withLength(0xe3, Buffer.concat([Buffer.from([type]), newValue, oldValue]));
}

/** LOGINACK token announcing TDS 7.4. */
export function loginAckToken(serverName: string): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x01]), // interface: SQL
    Buffer.from([0x74, 0x00, 0x00, 0x04]), // TDS 7.4
    bVarchar(serverName),
    Buffer.from([16, 0, 0x10, 0x00]), // "version 16.0"
  ]);
  return withLength(0xad, body);
}

/** The whole successful login response: database, collation, packet size, LOGINACK, DONE. */
export function loginResponse(database: string, packetSize: number): Buffer {
  return Buffer.concat([
    envChangeToken(1, bVarchar(database), bVarchar('master')),
    envChangeToken(7, Buffer.concat([Buffer.from([5]), COLLATION]), Buffer.from([0])),
    envChangeToken(4, bVarchar(String(packetSize)), bVarchar('4096')),
    messageToken({ number: 5701, message: `Changed database context to '${database}'.`, severity: 0, info: true }),
    loginAckToken('Sandbox Spectrum SQL'),
    doneToken('done', DoneStatus.final, 0, 0),
  ]);
}

/** PRELOGIN answer: version, encryption NOT_SUP (the sandbox speaks clear TDS), no MARS. */
export function preloginResponse(): Buffer {
  const options: Array<[number, Buffer]> = [
    [0x00, Buffer.from([16, 0, 0x10, 0x00, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x02, Buffer.from([0])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0])],
  ];
  let offset = options.length * 5 + 1;
  const headers: Buffer[] = [];
  const data: Buffer[] = [];
  for (const [token, value] of options) {
    const h = Buffer.alloc(5);
    h[0] = token;
    h.writeUInt16BE(offset, 1);
    h.writeUInt16BE(value.length, 3);
    headers.push(h);
    data.push(value);
    offset += value.length;
  }
  return Buffer.concat([...headers, Buffer.from([0xff]), ...data]);
}

/** RETURNVALUE token for an int output parameter (sp_prepare's @handle). */
export function returnIntValueToken(name: string, value: number): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16LE(0); // ordinal
  const meta = Buffer.alloc(1 + 4 + 2);
  meta[0] = 0x01; // status: output parameter
  meta.writeUInt16LE(0x0001, 5); // flags: nullable (user type 0 before it)
  const data = Buffer.alloc(2 + 1 + 4);
  data[0] = 0x26; // intN
  data[1] = 4;
  data[2] = 4;
  data.writeInt32LE(value, 3);
  // RETURNVALUE has no length prefix, unlike most tokens.
  return Buffer.concat([Buffer.from([0xac]), head, bVarchar(name), meta, data]);
}
