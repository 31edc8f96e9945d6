// Sharded clusters (2 shards x 3 members, 3 config servers, 2 routers), without and with access
// control: the boot order (every set at once, routers once the config set has a primary, addShard for
// every shard), the router URI, selectors, expectAutoRestart on a config server and on a router with
// every acknowledged write kept, and stop with nothing left behind.

import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, type ClusterEvent, type StartedCluster } from '../../../src/index.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import type { TestDir } from '../../helpers/supervisor.js';

/** The acceptance shape; config servers elect within 2 s so the config-primary kill stays short. */
const shape = () =>
  cluster()
    .shards(2)
    .replicaSet(3)
    .configServers(3, { settings: { electionTimeoutMillis: 2_000 } })
    .mongos(2)
    .binDir(SIM_BIN_DIR);

for (const withAuth of [false, true]) {
  describe(`sharded cluster${withAuth ? ' with auth' : ''}`, { timeout: 180_000 }, () => {
    let dir: TestDir;
    let c: StartedCluster;
    const events: ClusterEvent[] = [];
    const acknowledged: number[] = [];

    async function writeSome(n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const id = acknowledged.length;
        await c
          .client()
          .db('app')
          .collection('acked')
          .insertOne({ _id: id as any }, { writeConcern: { w: 'majority' } });
        acknowledged.push(id);
      }
    }

    async function expectAllWritesPresent(): Promise<void> {
      const docs = await c.client().db('app').collection('acked').find({}).toArray();
      const ids = new Set(docs.map((d) => d._id as unknown as number));
      expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    }

    beforeAll(async () => {
      dir = clusterTestDir();
      const spec = withAuth ? shape().auth({ username: 'app', password: 'secret' }) : shape();
      c = await spec.start({ tmpDir: dir.path, onEvent: (e) => events.push(e) });
    });

    afterAll(async () => {
      const clusterDir = c?.clusterDir;
      await c?.stop();
      if (clusterDir) expectRemoved(clusterDir);
      await expectNoProcesses(dir.path);
      await dir.cleanup();
    });

    it('boots every set at once, the routers after the config primary, then adds every shard', () => {
      const at = (pred: (e: ClusterEvent) => boolean) => events.findIndex(pred);
      const configPrimary = at((e) => e.type === 'primaryElected' && e.replicaSet === 'configRS');
      const firstRouter = at((e) => e.type === 'nodeStarting' && e.node.startsWith('mongos-'));
      expect(configPrimary).toBeGreaterThan(-1);
      expect(firstRouter).toBeGreaterThan(configPrimary);
      // Every set's members were started before any set was initiated: the sets boot together.
      const lastMemberStart = Math.max(
        ...events.flatMap((e, i) => (e.type === 'nodeStarting' && !e.node.startsWith('mongos-') ? [i] : [])),
      );
      expect(lastMemberStart).toBeLessThan(at((e) => e.type === 'replicaSetInitiated'));
      expect(
        events
          .filter((e) => e.type === 'shardAdded')
          .map((e) => (e as { shard: string }).shard)
          .sort(),
      ).toEqual(['shard0', 'shard1']);
      expect(events.at(-1)?.type).toBe('clusterReady');
      if (withAuth) {
        expect(
          events
            .filter((e) => e.type === 'userCreated')
            .map((e) => (e as { node: string }).node)
            .sort(),
        ).toEqual(['mongos-0', 'shard0-0', 'shard1-0']);
      }
    });

    it('hands out the router list as its URI; selectors find shards, config servers and routers', async () => {
      const routers = c.routers.map((r) => r.address).join(',');
      expect(c.uri).toBe(withAuth ? `mongodb://app:secret@${routers}/?authSource=admin` : `mongodb://${routers}/`);
      expect(c.shards.map((s) => s.name)).toEqual(['shard0', 'shard1']);
      expect((await c.shard(1).primary()).name).toBe('shard1-0');
      expect((await c.shard('shard0').secondaries()).map((n) => n.name)).toEqual(['shard0-1', 'shard0-2']);
      expect((await c.configServers().primary()).name).toBe('config-0');
      expect(c.mongos(1).name).toBe('mongos-1');
      const listed = await c.client().db('admin').command({ listShards: 1 });
      expect((listed.shards as Document[]).map((s) => s._id).sort()).toEqual(['shard0', 'shard1']);
      await writeSome(5);
      await expectAllWritesPresent();
    });

    it('expectAutoRestart on the config primary: back in its set, the config set has a primary, no write lost', async () => {
      const primary = await c.configServers().primary();
      const ev = await primary.expectAutoRestart();
      expect(ev.newPid).not.toBe(ev.oldPid);
      expect(['PRIMARY', 'SECONDARY']).toContain(ev.state);
      expect(ev.newPrimaryElected).toBe(true);
      await writeSome(3);
      await expectAllWritesPresent();
    });

    it('expectAutoRestart on a router: it listens again and routes writes', async () => {
      const ev = await c.mongos(0).expectAutoRestart();
      expect(ev).toMatchObject({ node: 'mongos-0', state: 'ROUTER', newPrimaryElected: false });
      expect(ev.newPid).not.toBe(ev.oldPid);
      await writeSome(3);
      await expectAllWritesPresent();
      await c.waitHealthy();
    });
  });
}
