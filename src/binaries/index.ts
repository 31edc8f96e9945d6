// Public surface of binary resolution: find or download mongod/mongos, and pre-fetch into the cache.

export { resolveBinaries } from './resolve.js';
export { downloadBinaries, DOWNLOAD_DEFAULTS, DEFAULT_VERSION_SPEC } from './download.js';
export { defaultCacheDir, cacheEntryKey } from './cache.js';
export { parseVersionOutput, type VersionOutput, type ServerProgram } from './version-check.js';
export { MONGODB_VERSION_LIST_URL } from './version-list.js';
export type * from './types.js';
