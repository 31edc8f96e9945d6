// The library, loaded when a command needs it. The package root pulls in the MongoDB driver and the
// downloader (over a second of startup on a busy machine), which `--help`, usage errors, `ls`, `env`
// and `prune` never use; those only need the light modules they import directly (the state
// directory, the errors, the builder's constants), which are the same modules the root re-exports.

/** The package root (`mongo-topology`), imported on first use. */
export function library(): Promise<typeof import('../index.js')> {
  return import('../index.js');
}
