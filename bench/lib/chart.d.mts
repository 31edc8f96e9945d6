// Types of bench/lib/chart.mjs, for the unit test that imports it from TypeScript.

export interface Bar {
  readonly label: string;
  readonly median: number;
  readonly min?: number;
  readonly max?: number;
  readonly note?: string;
}
export interface BarGroup {
  readonly title: string;
  readonly bars: readonly Bar[];
}
export function barChartSvg(
  groups: readonly BarGroup[],
  options?: { title?: string; width?: number; format?: (ms: number) => string },
): string;
