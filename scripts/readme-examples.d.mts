/** Rewrites every `<!-- example: path -->` block of `readme` from `read(path)`; `stale` lists blocks that differed. */
export declare function syncExamples(
  readme: string,
  read: (path: string) => string,
): { text: string; blocks: string[]; stale: string[] };
