// TDS packet framing: an 8-byte header before every packet, messages split across packets.
import type { Socket } from 'node:net';

/** TDS packet types this server reads or writes. */
export const PacketType = {
  sqlBatch: 0x01,
  rpc: 0x03,
  tabularResult: 0x04,
  attention: 0x06,
  transactionManager: 0x0e,
  login7: 0x10,
  prelogin: 0x12,
} as const;

/** One complete message (all its packets joined). */
export interface TdsMessage {
  type: number;
  payload: Buffer;
}

/** Reassembles messages from a byte stream; attention packets are reported on their own. */
export class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];

  /** Feed bytes; returns the messages completed by them. */
  push(data: Buffer): TdsMessage[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const out: TdsMessage[] = [];
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt16BE(2);
      if (length < 8) throw new Error(`bad TDS packet length ${length}`);
      if (this.buffer.length < length) break;
      const type = this.buffer[0]!;
      const endOfMessage = (this.buffer[1]! & 0x01) === 1;
      this.parts.push(this.buffer.subarray(8, length));
      this.buffer = this.buffer.subarray(length);
      if (endOfMessage) {
        out.push({ type, payload: Buffer.concat(this.parts) });
        this.parts = [];
      }
    }
    return out;
  }
}

/**
 * Writes one response message as packets of at most `packetSize` bytes, flushing full packets
 * as it goes, so a large result streams instead of being built whole in memory.
 */
export class MessageWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private packetId = 1;

  constructor(
    private readonly socket: Socket,
    private readonly packetSize: number,
    private readonly type: number = PacketType.tabularResult,
  ) {}

  /** Append bytes to the message; full packets are written out immediately. */
  write(data: Buffer): void {
    if (data.length === 0) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
    const max = this.packetSize - 8;
    if (this.pendingBytes <= max) return;
    let joined = Buffer.concat(this.pending);
    // Keep at least one byte back so the final packet (with end-of-message) is never empty.
    while (joined.length > max) {
      this.sendPacket(joined.subarray(0, max), false);
      joined = joined.subarray(max);
    }
    this.pending = [joined];
    this.pendingBytes = joined.length;
  }

  /** Send what is pending as a packet that does not end the message (to cut a response midway). */
  flushPartial(): void {
    if (this.pendingBytes === 0) return;
    this.sendPacket(Buffer.concat(this.pending), false);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Finish the message: write what is left as the last packet. */
  end(): void {
    this.sendPacket(Buffer.concat(this.pending), true);
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Resolve once the socket has room again (backpressure for streamed results). */
  async drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private sendPacket(body: Buffer, last: boolean): void {
    const header = Buffer.alloc(8);
    header[0] = this.type;
    header[1] = last ? 0x01 : 0x00;
    header.writeUInt16BE(body.length + 8, 2);
    header[6] = this.packetId++ & 0xff;
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([header, body]));
  }
}
