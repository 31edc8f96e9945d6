// Wire-protocol edge cases against the simulated mongod with a raw socket: the OP_QUERY handshake and
// OP_REPLY, OP_MSG document sequences, CRC-32C checksums, illegal flags, moreToCome, awaitable hello
// with topologyVersion, the exhaust stream, and hello's validation errors.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Long } from 'bson';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, type SimNode } from '../../helpers/simulator.js';
import { opMsg, opQuery, RawConn } from '../../helpers/wire.js';

let dir: string;
let n: SimNode;
const conns: RawConn[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  n = await startNode({ dir: join(dir, 'a') });
});

afterAll(async () => {
  for (const c of conns) c.close();
  await n?.stop('SIGKILL');
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function open(): Promise<RawConn> {
  const c = await RawConn.open(n.port);
  conns.push(c);
  return c;
}

const num = (v: unknown) => Number(v);

describe('handshake', () => {
  it('answers a legacy OP_QUERY isMaster with OP_REPLY', async () => {
    const c = await open();
    c.send(opQuery(7, 'admin.$cmd', { isMaster: 1, helloOk: true, client: { driver: { name: 'raw', version: '1' } } }));
    const [r] = await c.waitForReplies(1);
    expect(r.opCode).toBe(1);
    expect(r.responseTo).toBe(7);
    expect(r.flags).toBe(8);
    expect(r.numberReturned).toBe(1);
    expect(r.doc.ismaster).toBe(true);
    expect(r.doc.isWritablePrimary).toBeUndefined();
    expect(r.doc.helloOk).toBe(true);
    expect(num(r.doc.minWireVersion)).toBe(0);
    expect(num(r.doc.maxWireVersion)).toBe(25);
    expect(num(r.doc.logicalSessionTimeoutMinutes)).toBe(30);
    expect(r.doc.ok._bsontype).toBe('Double');
    expect(r.doc.compression).toBeUndefined();
    expect(r.doc.$clusterTime).toBeUndefined();
    expect(r.doc.topologyVersion.processId._bsontype).toBe('ObjectId');
  });

  it('unwraps $query and refuses other OP_QUERY commands with 352', async () => {
    const c = await open();
    c.send(opQuery(1, 'admin.$cmd', { $query: { ismaster: 1 }, $readPreference: { mode: 'primaryPreferred' } }));
    c.send(opQuery(2, 'admin.$cmd', { ping: 1 }));
    const [a, b] = await c.waitForReplies(2);
    expect(a.doc.ismaster).toBe(true);
    expect(num(b.doc.code)).toBe(352);
    expect(b.doc.codeName).toBe('UnsupportedOpQueryCommand');
    expect(b.doc.errmsg).toMatch(/^Unsupported OP_QUERY command: ping\. The client driver may require an upgrade/);
  });

  it('uses isWritablePrimary for hello and refuses re-sent client metadata', async () => {
    const c = await open();
    c.send(opMsg(1, { hello: 1, client: { driver: { name: 'raw', version: '1' } }, $db: 'admin' }));
    c.send(opMsg(2, { hello: 1, client: { driver: { name: 'raw', version: '1' } }, $db: 'admin' }));
    const [a, b] = await c.waitForReplies(2);
    expect(a.doc.isWritablePrimary).toBe(true);
    expect(a.doc.ismaster).toBeUndefined();
    expect(num(a.doc.connectionId)).toBeGreaterThan(0);
    expect(a.doc.localTime).toBeInstanceOf(Date);
    expect(num(b.doc.code)).toBe(186);
    expect(b.doc.errmsg).toBe('The client metadata document may only be sent in the first isMaster');
  });

  it('answers CommandNotFound for other spellings and unknown commands', async () => {
    const c = await open();
    c.send(opMsg(1, { IsMaster: 1, $db: 'admin' }));
    c.send(opMsg(2, { atlasVersion: 1, $db: 'admin' }));
    const [a, b] = await c.waitForReplies(2);
    expect(a.doc).toMatchObject({ errmsg: "no such command: 'IsMaster'", codeName: 'CommandNotFound' });
    expect(num(b.doc.code)).toBe(59);
  });
});

describe('OP_MSG', () => {
  it('merges kind-1 document sequences into the command', async () => {
    const c = await open();
    c.send(
      opMsg(1, { insert: 'seq', $db: 'wire' }, { sequences: { documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] } }),
    );
    const [r] = await c.waitForReplies(1);
    expect(r.opCode).toBe(2013);
    expect(num(r.doc.n)).toBe(3);
    c.send(
      opMsg(
        2,
        { delete: 'seq', $db: 'wire' },
        {
          sequences: {
            deletes: [
              { q: { _id: 1 }, limit: 1 },
              { q: { _id: { $gt: 1 } }, limit: 0 },
            ],
          },
        },
      ),
    );
    const replies = await c.waitForReplies(2);
    expect(num(replies[1].doc.n)).toBe(3);
  });

  it('accepts a correct CRC-32C and closes the connection on a bad one', async () => {
    const c = await open();
    c.send(opMsg(1, { ping: 1, $db: 'admin' }, { checksum: 'good' }));
    const [r] = await c.waitForReplies(1);
    expect(num(r.doc.ok)).toBe(1);
    expect(r.flags & 1).toBe(0);
    c.send(opMsg(2, { ping: 1, $db: 'admin' }, { checksum: 'bad' }));
    const replies = await c.waitForReplies(2);
    expect(num(replies[1].doc.code)).toBe(288);
    await c.waitForClose();
  });

  it('rejects an unknown required flag bit with 223 and closes; ignores unknown optional bits', async () => {
    const c = await open();
    c.send(opMsg(1, { ping: 1, $db: 'admin' }, { flags: 1 << 20 }));
    const [ok] = await c.waitForReplies(1);
    expect(num(ok.doc.ok)).toBe(1);
    c.send(opMsg(2, { ping: 1, $db: 'admin' }, { flags: 1 << 5 }));
    const replies = await c.waitForReplies(2);
    expect(replies[1].doc.codeName).toBe('IllegalOpMsgFlag');
    await c.waitForClose();
  });

  it('sends no reply to a moreToCome request (w:0)', async () => {
    const c = await open();
    c.send(opMsg(1, { insert: 'w0', documents: [{ _id: 'x' }], writeConcern: { w: 0 }, $db: 'wire' }, { flags: 2 }));
    c.send(opMsg(2, { count: 'w0', $db: 'wire' }));
    const [r] = await c.waitForReplies(1);
    expect(r.responseTo).toBe(2);
    expect(num(r.doc.n)).toBe(1);
  });

  it('requires $db and closes on legacy opcodes', async () => {
    const c = await open();
    c.send(opMsg(1, { ping: 1 }));
    const [r] = await c.waitForReplies(1);
    expect(num(r.doc.code)).toBe(40571);
    const legacy = Buffer.alloc(20);
    legacy.writeInt32LE(20, 0);
    legacy.writeInt32LE(3, 4);
    legacy.writeInt32LE(2002, 12);
    c.send(legacy);
    await c.waitForClose();
  });
});

describe('awaitable hello', () => {
  it('validates topologyVersion / maxAwaitTimeMS pairing', async () => {
    const c = await open();
    const h = await n.command({ hello: 1 });
    c.send(opMsg(1, { hello: 1, topologyVersion: h.topologyVersion, $db: 'admin' }));
    c.send(opMsg(2, { hello: 1, maxAwaitTimeMS: 100, $db: 'admin' }));
    const [a, b] = await c.waitForReplies(2);
    expect(num(a.doc.code)).toBe(51760);
    expect(num(b.doc.code)).toBe(51761);
  });

  it('holds the reply for maxAwaitTimeMS when the topology version matches, replies at once when it does not', async () => {
    const h = await n.command({ hello: 1 });
    const c = await open();
    const t0 = Date.now();
    c.send(opMsg(1, { hello: 1, topologyVersion: h.topologyVersion, maxAwaitTimeMS: 400, $db: 'admin' }));
    await c.waitForReplies(1, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    const t1 = Date.now();
    const other = { processId: h.topologyVersion.processId, counter: Long.fromNumber(-1) };
    c.send(opMsg(2, { hello: 1, topologyVersion: other, maxAwaitTimeMS: 5000, $db: 'admin' }));
    await c.waitForReplies(2, 5000);
    expect(Date.now() - t1).toBeLessThan(3000);
  });

  it('streams exhaust replies with moreToCome, each answering the previous reply', async () => {
    const h = await n.command({ hello: 1 });
    const c = await open();
    c.send(
      opMsg(
        11,
        { hello: 1, topologyVersion: h.topologyVersion, maxAwaitTimeMS: 150, $db: 'admin' },
        { flags: 0x10000 },
      ),
    );
    const rs = await c.waitForReplies(3, 5000);
    expect(rs[0].responseTo).toBe(11);
    expect(rs[1].responseTo).toBe(rs[0].requestID);
    expect(rs[2].responseTo).toBe(rs[1].requestID);
    for (const r of rs) {
      expect(r.flags & 2).toBe(2);
      expect(r.doc.isWritablePrimary).toBe(true);
    }
  });
});
