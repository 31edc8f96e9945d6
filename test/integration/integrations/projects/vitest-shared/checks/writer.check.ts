import { readStateFile } from 'mongo-topology';
import { useDatabase } from 'mongo-topology/vitest';
import { expect, inject, test } from 'vitest';
import { hang, report } from './report.js';

const files = useDatabase();

test('writes through the provided URI from its own worker', async () => {
  const provided = inject('mongoTopology');
  const docs = Array.from({ length: 20 }, (_, i) => ({ i, writer: 'writer' }));
  await files.db.collection('items').insertMany(docs);
  expect(await files.db.collection('items').countDocuments()).toBe(20);
  report('writer', {
    ownerPid: readStateFile(provided.stateFile).state.owner.pid,
    stateFile: provided.stateFile,
    db: files.name,
    envUri: process.env.MONGODB_URI,
    uri: provided.uri,
    nodes: provided.nodes.map((n) => n.name),
  });
  if (hang) await new Promise(() => undefined);
});
