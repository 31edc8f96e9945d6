// Before the real teardown: which databases the test files left behind (each environment drops the file's own).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import teardown from 'mongo-topology/jest-global-teardown';

export default async function globalTeardown() {
  const client = new MongoClient(process.env.MONGODB_URI ?? '');
  try {
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    writeFileSync(
      join(process.env.MT_REPORT_DIR ?? '', 'databases.json'),
      JSON.stringify(databases.map((d) => d.name)),
    );
  } finally {
    await client.close();
    await teardown();
  }
}
