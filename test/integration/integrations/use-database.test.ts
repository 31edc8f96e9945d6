// useDatabase() against a real (simulated) server: a database of the file's own, named from the
// file, usable in tests, dropped after the file's last test; refused while the file is collected.
// The afterAll below is registered before useDatabase's own hooks, so (vitest runs after-hooks in
// reverse) it runs last and sees the drop.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, type StartedCluster } from '../../../src/index.js';
import { TopologyConfigError } from '../../../src/errors.js';
import { databaseName } from '../../../src/integrations/shared/database-name.js';
import { useDatabase } from '../../../src/integrations/vitest/index.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';

const dir = clusterTestDir();
let c: StartedCluster | undefined;
let name: string | undefined;

beforeAll(async () => {
  c = await cluster().binDir(SIM_BIN_DIR).start({ tmpDir: dir.path });
});

afterAll(async () => {
  try {
    if (c && name) {
      const { databases } = await c.client().db('admin').admin().listDatabases({ nameOnly: true });
      expect(databases.map((d) => d.name)).not.toContain(name);
    }
  } finally {
    await c?.stop();
    await dir.cleanup();
  }
});

const files = useDatabase({ uri: () => c!.uri });
let duringCollection: unknown;
try {
  void files.db;
} catch (e) {
  duringCollection = e;
}

describe('useDatabase()', { timeout: 60_000 }, () => {
  it('refuses use while the file is collected', () => {
    expect(duringCollection).toBeInstanceOf(TopologyConfigError);
    expect((duringCollection as Error).message).toMatch(/used while the file was being collected/);
  });

  it('gives the file a database named after it', async () => {
    name = files.name;
    expect(name).toBe(databaseName(import.meta.filename));
    expect(files.db.databaseName).toBe(name);
    await files.db.collection('users').insertOne({ name: 'ada' });
    const { databases } = await files.client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(databases.map((d) => d.name)).toContain(name);
  });
});
