import { useDatabase } from 'mongo-topology/vitest';
import { expect, inject, test } from 'vitest';

const files = useDatabase(); // a database of this file's own, dropped after its last test

test('every worker gets the URI', () => {
  const { uri, nodes } = inject('mongoTopology');
  expect(uri).toContain('replicaSet=rs0');
  expect(nodes.map((n) => n.name)).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
  expect(process.env.MONGODB_URI).toBe(uri);
});

test('inserts and reads back', async () => {
  const users = files.db.collection('users');
  await users.insertOne({ name: 'ada' });
  expect(await users.findOne({}, { projection: { _id: 0 } })).toEqual({ name: 'ada' });
});
