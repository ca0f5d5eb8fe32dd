/**
 * Charts for the reports: `@observablehq/plot` rendered server-side against a linkedom
 * document into a self-contained SVG string (legend drawn inside, white background), and the
 * same SVG as a PNG through resvg when an image file is wanted.
 */
import { writeFileAtomic } from '../atomic-files.ts';
import * as Plot from '@observablehq/plot';
import { Resvg } from '@resvg/resvg-js';
import { parseHTML } from 'linkedom';
import { escapeHtml } from '../html/format.ts';

export const CHART_WIDTH = 760;
const LEGEND_HEIGHT = 26;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** One bar (or one stacked piece of a bar): a category label, a series and a value (drawing only; never summed for money shown as text). */
export interface BarDatum {
  label: string;
  series: string;
  value: number;
  /** The panel a bar is drawn in, when the chart has side-by-side panels (e.g. aging | retainage). */
  panel?: string;
}

export interface BarChartOptions {
  /** Stable file-friendly name (`ar-aging`), used for the PNG. */
  name: string;
  title: string;
  data: readonly BarDatum[];
  /** Series in stacking/legend order, with their colors. */
  series: readonly { name: string; color: string }[];
  /** Category labels top to bottom; default: in order of first appearance. */
  labels?: readonly string[];
  /** Panels left to right, when data carry `panel`. */
  panels?: readonly string[];
  /** How values read on the axis. */
  format?: 'money' | 'count';
  xLabel?: string;
}

export interface Chart {
  name: string;
  title: string;
  svg: string;
}

/** The label as drawn: long names are cut so the chart keeps its width. */
function shortLabel(label: string): string {
  return label.length > 30 ? `${label.slice(0, 29)}…` : label;
}

/** $1.2M / $45k / $950 for axis ticks; negatives in parentheses, as in the tables. */
export function compactMoney(value: number): string {
  const abs = Math.abs(value);
  const text =
    abs >= 1_000_000
      ? `$${(abs / 1_000_000).toFixed(abs >= 10_000_000 ? 0 : 1)}M`
      : abs >= 1_000
        ? `$${(abs / 1_000).toFixed(abs >= 10_000 ? 0 : 1)}k`
        : `$${abs.toFixed(0)}`;
  return value < 0 ? `(${text})` : text;
}

/** Horizontal bars, stacked by series, one row per label (optionally in side-by-side panels). */
export function barChart(options: BarChartOptions): Chart {
  const labels = options.labels ?? [...new Set(options.data.filter((d) => d.value !== 0).map((d) => d.label))];
  const longest = Math.max(4, ...labels.map((l) => shortLabel(l).length));
  const marginLeft = Math.min(240, 20 + longest * 7);
  const rows = Math.max(1, labels.length);
  const height = 40 + rows * 24 + (options.panels ? 20 : 0);
  const tick = options.format === 'count' ? (d: number) => (Number.isInteger(d) ? String(d) : '') : compactMoney;
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const plot = Plot.plot({
    document: document as unknown as Plot.PlotOptions['document'],
    width: CHART_WIDTH,
    height,
    marginLeft,
    marginRight: 24,
    style: { fontFamily: FONT, fontSize: '11px', background: 'white', color: '#222' },
    x: { label: options.xLabel ?? null, tickFormat: tick, grid: true, ticks: 5 },
    y: { domain: labels.map(shortLabel), label: null },
    color: { domain: options.series.map((s) => s.name), range: options.series.map((s) => s.color) },
    ...(options.panels ? { fx: { domain: [...options.panels], label: null } } : {}),
    marks: [
      Plot.barX(
        // A zero bar carries no point: it is not drawn.
        options.data.filter((d) => d.value !== 0).map((d) => ({ ...d, label: shortLabel(d.label) })),
        {
          x: 'value',
          y: 'label',
          fill: 'series',
          ...(options.panels ? { fx: 'panel' } : {}),
          order: options.series.map((s) => s.name),
          inset: 0.5,
        },
      ),
      Plot.ruleX([0], { stroke: '#555' }),
    ],
  });
  return { name: options.name, title: options.title, svg: frame(plot.outerHTML, height, options.title, options.series) };
}

/** One step of a waterfall: a total (drawn from 0) or a change (drawn from the running total before it). */
export interface WaterfallStep {
  label: string;
  value: number;
  kind: 'total' | 'change';
}

const WATERFALL_SERIES = [
  { name: 'Total', color: '#455a64' },
  { name: 'Adds', color: '#2e7d32' },
  { name: 'Takes away', color: '#c62828' },
] as const;

/** A horizontal waterfall: totals from zero, each change floating from the running total before it. */
export function waterfallChart(options: { name: string; title: string; steps: readonly WaterfallStep[] }): Chart {
  let running = 0;
  const bars = options.steps.map((step) => {
    const label = shortLabel(step.label);
    if (step.kind === 'total') {
      running = step.value;
      return { label, x1: 0, x2: step.value, series: 'Total' };
    }
    const from = running;
    running += step.value;
    return { label, x1: from, x2: running, series: step.value >= 0 ? 'Adds' : 'Takes away' };
  });
  const labels = bars.map((b) => b.label);
  const longest = Math.max(4, ...labels.map((l) => l.length));
  const height = 40 + Math.max(1, labels.length) * 24;
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const plot = Plot.plot({
    document: document as unknown as Plot.PlotOptions['document'],
    width: CHART_WIDTH,
    height,
    marginLeft: Math.min(240, 20 + longest * 7),
    marginRight: 24,
    style: { fontFamily: FONT, fontSize: '11px', background: 'white', color: '#222' },
    x: { label: null, tickFormat: compactMoney, grid: true, ticks: 5 },
    y: { domain: labels, label: null },
    color: { domain: WATERFALL_SERIES.map((s) => s.name), range: WATERFALL_SERIES.map((s) => s.color) },
    marks: [Plot.barX(bars, { x1: 'x1', x2: 'x2', y: 'label', fill: 'series', inset: 0.5 }), Plot.ruleX([0], { stroke: '#555' })],
  });
  return { name: options.name, title: options.title, svg: frame(plot.outerHTML, height, options.title, WATERFALL_SERIES) };
}

/** Wraps a Plot SVG in one standalone SVG with a white background and the legend above it. */
export function frame(inner: string, height: number, title: string, legend: readonly { name: string; color: string }[]): string {
  let x = 8;
  const items = legend
    .map((item) => {
      const text = escapeHtml(item.name);
      const g = `<rect x="${x}" y="8" width="12" height="12" fill="${escapeHtml(item.color)}"/><text x="${x + 17}" y="18.5" font-size="12">${text}</text>`;
      x += 17 + item.name.length * 7 + 18;
      return g;
    })
    .join('');
  const total = height + LEGEND_HEIGHT;
  const nested = inner.replace(/^<svg /, `<svg x="0" y="${LEGEND_HEIGHT}" `);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${CHART_WIDTH}" height="${total}" viewBox="0 0 ${CHART_WIDTH} ${total}" font-family="${FONT}" style="max-width:100%;height:auto">` +
    `<title>${escapeHtml(title)}</title><rect width="100%" height="100%" fill="white"/>` +
    `<g fill="#222">${items}</g>${nested}</svg>`
  );
}

/** A chart's SVG as PNG bytes (twice the size, for sharp print and email). */
export function chartPng(chart: Chart): Buffer {
  const resvg = new Resvg(chart.svg, {
    fitTo: { mode: 'width', value: CHART_WIDTH * 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Writes a chart's SVG as a PNG file. */
export function writeChartPng(chart: Chart, path: string): void {
  writeFileAtomic(path, chartPng(chart));
}
