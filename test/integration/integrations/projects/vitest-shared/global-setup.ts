import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { cluster } from 'mongo-topology';
import { setupTopology } from 'mongo-topology/vitest';
import type { TestProject } from 'vitest/node';

// Binaries come from MONGO_TOPOLOGY_BIN_DIR (the simulator), cluster dirs go under MONGO_TOPOLOGY_TMP_DIR.
const setup = setupTopology(
  cluster().replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } }),
);

export default async function (project: TestProject): Promise<() => Promise<void>> {
  const stop = await setup(project);
  return async () => {
    // Before stopping: which databases the test files left behind (each should have dropped its own).
    const client = new MongoClient(process.env.MONGODB_URI!);
    try {
      const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
      writeFileSync(join(process.env.MT_REPORT_DIR!, 'databases.json'), JSON.stringify(databases.map((d) => d.name)));
    } finally {
      await client.close();
      await stop();
    }
  };
}
