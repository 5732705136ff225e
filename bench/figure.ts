export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The figure divided by the baseline's figure (for "lower is better" units, baseline / figure). */
  ratio?: number;
  baseline?: string;
}

export interface BenchModule {
  run(): Promise<Figure[]>;
}

export function formatFigure(f: Figure): string {
  const value = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(f.value < 10 ? 2 : 0);
  const tail = f.ratio !== undefined && f.baseline ? ` (${f.ratio.toFixed(2)}x ${f.baseline})` : '';
  return `${f.name}: ${value} ${f.unit}${tail}`;
}
