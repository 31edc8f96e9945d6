// Types of bench/lib/stats.mjs, for the unit test that imports it from TypeScript.

export interface Summary {
  readonly n: number;
  readonly failed: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p10: number;
  readonly p90: number;
}
export type Sample = number | null | undefined;
export function median(xs: readonly Sample[]): number;
export function percentile(xs: readonly Sample[], p: number): number;
export function summarize(xs: readonly Sample[]): Summary;
export function formatMs(ms: number | undefined): string;
export function formatSummary(sum: Summary, fmt?: (ms: number) => string): string;
export function formatRatio(a: number, b: number): string;
export function formatKib(kib: number): string;
export function markdownTable(header: readonly string[], rows: readonly (readonly unknown[])[]): string;
export function rotation<T>(tools: readonly T[], round: number): T[];
