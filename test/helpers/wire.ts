// A raw wire-protocol client for tests that must control bytes the driver never sends (OP_QUERY,
// checksums, illegal flags, document sequences, exhaust). Independent of the simulator's own codec.
import { connect, type Socket } from 'node:net';
import { deserialize, serialize, type Document } from 'bson';

export interface RawReply {
  readonly requestID: number;
  readonly responseTo: number;
  readonly opCode: number;
  readonly flags: number;
  readonly doc: Document;
  /** OP_REPLY only. */
  readonly numberReturned?: number;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of buf) crc = TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function header(len: number, id: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(len, 0);
  h.writeInt32LE(id, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function opMsg(
  id: number,
  body: Document,
  opts: { flags?: number; sequences?: Record<string, Document[]>; checksum?: 'good' | 'bad' } = {},
): Buffer {
  let flags = opts.flags ?? 0;
  if (opts.checksum) flags |= 1;
  const parts: Buffer[] = [];
  const f = Buffer.alloc(4);
  f.writeUInt32LE(flags >>> 0);
  parts.push(f, Buffer.from([0]), Buffer.from(serialize(body)));
  for (const [name, docs] of Object.entries(opts.sequences ?? {})) {
    const idb = Buffer.from(`${name}\0`);
    const ds = docs.map((d) => Buffer.from(serialize(d)));
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + idb.length + ds.reduce((n, b) => n + b.length, 0));
    parts.push(Buffer.from([1]), size, idb, ...ds);
  }
  const bodyLen = parts.reduce((n, b) => n + b.length, 0);
  const len = 16 + bodyLen + (opts.checksum ? 4 : 0);
  const msg = Buffer.concat([header(len, id, 2013), ...parts]);
  if (!opts.checksum) return msg;
  const c = Buffer.alloc(4);
  c.writeUInt32LE(opts.checksum === 'good' ? crc32c(msg) : (crc32c(msg) ^ 1) >>> 0);
  return Buffer.concat([msg, c]);
}

export function opQuery(id: number, ns: string, query: Document, flags = 0): Buffer {
  const nsb = Buffer.from(`${ns}\0`);
  const fixed = Buffer.alloc(4);
  fixed.writeInt32LE(flags);
  const skipRet = Buffer.alloc(8);
  skipRet.writeInt32LE(0, 0);
  skipRet.writeInt32LE(-1, 4);
  const q = Buffer.from(serialize(query));
  const len = 16 + 4 + nsb.length + 8 + q.length;
  return Buffer.concat([header(len, id, 2004), fixed, nsb, skipRet, q]);
}

/** A raw connection that collects replies as they arrive. */
export class RawConn {
  readonly #socket: Socket;
  #buf = Buffer.alloc(0);
  readonly replies: RawReply[] = [];
  closed = false;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c]);
      while (this.#buf.length >= 4) {
        const len = this.#buf.readInt32LE(0);
        if (this.#buf.length < len) break;
        const m = this.#buf.subarray(0, len);
        this.#buf = this.#buf.subarray(len);
        this.replies.push(parse(m));
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConn> {
    return new Promise((res, rej) => {
      const s = connect({ host: '127.0.0.1', port }, () => res(new RawConn(s)));
      s.once('error', rej);
    });
  }

  private wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  send(buf: Buffer): void {
    this.#socket.write(buf);
  }

  /** Waits for the n-th reply (1-based count), or rejects after `timeoutMs`. */
  waitForReplies(n: number, timeoutMs = 5000): Promise<RawReply[]> {
    return new Promise((res, rej) => {
      const check = () => {
        if (this.replies.length >= n) {
          done();
          res(this.replies.slice(0, n));
        } else if (this.closed) {
          done();
          rej(new Error(`connection closed after ${this.replies.length} replies (wanted ${n})`));
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error(`timed out waiting for ${n} replies (got ${this.replies.length})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  waitForClose(timeoutMs = 5000): Promise<void> {
    return new Promise((res, rej) => {
      const check = () => {
        if (this.closed) {
          done();
          res();
        }
      };
      const timer = setTimeout(() => {
        done();
        rej(new Error('connection was not closed'));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

let rawIds = 1000;

/** One OP_MSG command over a fresh raw connection: exactly the fields given, nothing added by a driver. */
export async function rawCommand(port: number, body: Document, timeoutMs = 10_000): Promise<Document> {
  const c = await RawConn.open(port);
  try {
    c.send(opMsg(rawIds++, body));
    const [r] = await c.waitForReplies(1, timeoutMs);
    return deserialize(serialize(r.doc));
  } finally {
    c.close();
  }
}

function parse(m: Buffer): RawReply {
  const requestID = m.readInt32LE(4);
  const responseTo = m.readInt32LE(8);
  const opCode = m.readInt32LE(12);
  if (opCode === 1) {
    const flags = m.readInt32LE(16);
    const numberReturned = m.readInt32LE(32);
    return {
      requestID,
      responseTo,
      opCode,
      flags,
      numberReturned,
      doc: deserialize(m.subarray(36), { promoteValues: false }),
    };
  }
  const flags = m.readUInt32LE(16);
  if (m[20] !== 0) throw new Error(`reply section kind ${m[20]} (expected 0)`);
  const size = m.readInt32LE(21);
  if (21 + size !== m.length)
    throw new Error(`reply has ${m.length - 21 - size} trailing bytes (checksum or extra sections)`);
  return {
    requestID,
    responseTo,
    opCode,
    flags,
    doc: deserialize(m.subarray(21, 21 + size), { promoteValues: false }),
  };
}
