/**
 * The two chart shapes the CFO insight sections need beyond stacked bars: a line over dates
 * (DSO month by month, gross and net of retainage) and side-by-side bars of ratios (the margins
 * of converted and de-novo projects). Drawn like barChart: Plot on linkedom, framed with its legend.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { CHART_WIDTH, frame } from './index.ts';
import type { Chart } from './index.ts';

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** One point of a line: a date (`YYYY-MM-DD`), a series and a value (drawing only). */
export interface LinePoint {
  date: string;
  series: string;
  value: number;
}

/** Lines over dates, one per series, with a dot and the value at each point. */
export function lineChart(options: {
  name: string;
  title: string;
  points: readonly LinePoint[];
  series: readonly { name: string; color: string }[];
  yLabel: string;
}): Chart {
  const height = 280;
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const data = options.points.map((p) => ({ ...p, at: new Date(`${p.date}T00:00:00Z`) }));
  const plot = Plot.plot({
    document: document as unknown as Plot.PlotOptions['document'],
    width: CHART_WIDTH,
    height,
    marginLeft: 50,
    marginRight: 30,
    style: { fontFamily: FONT, fontSize: '11px', background: 'white', color: '#222' },
    x: { type: 'utc', label: null, tickFormat: '%b %y', ticks: 8 },
    y: { label: options.yLabel, grid: true, zero: true },
    color: { domain: options.series.map((s) => s.name), range: options.series.map((s) => s.color) },
    marks: [
      Plot.lineY(data, { x: 'at', y: 'value', stroke: 'series', strokeWidth: 2 }),
      Plot.dot(data, { x: 'at', y: 'value', fill: 'series', r: 3 }),
      // the latest value of each series, written beside its last point
      Plot.text(
        options.series.flatMap((s) => data.filter((d) => d.series === s.name).slice(-1)),
        { x: 'at', y: 'value', text: (d: { value: number }) => d.value.toFixed(1), dx: 18, fill: 'series' },
      ),
    ],
  });
  return { name: options.name, title: options.title, svg: frame(plot.outerHTML, height, options.title, options.series) };
}

/** Horizontal bars of ratios (0.1234 drawn as 12.3%), one per label, each labelled with its value. */
export function ratioBarChart(options: {
  name: string;
  title: string;
  bars: readonly { label: string; series: string; value: number }[];
  series: readonly { name: string; color: string }[];
}): Chart {
  const labels = [...new Set(options.bars.map((b) => b.label))];
  const height = 50 + labels.length * 34;
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const plot = Plot.plot({
    document: document as unknown as Plot.PlotOptions['document'],
    width: CHART_WIDTH,
    height,
    marginLeft: 200,
    marginRight: 60,
    style: { fontFamily: FONT, fontSize: '11px', background: 'white', color: '#222' },
    x: { label: null, tickFormat: (d: number) => `${(d * 100).toFixed(0)}%`, grid: true, ticks: 5 },
    y: { domain: labels, label: null },
    color: { domain: options.series.map((s) => s.name), range: options.series.map((s) => s.color) },
    marks: [
      Plot.barX(options.bars, { x: 'value', y: 'label', fill: 'series', inset: 4 }),
      Plot.text(options.bars, { x: 'value', y: 'label', text: (d: { value: number }) => `${(d.value * 100).toFixed(1)}%`, dx: 22 }),
      Plot.ruleX([0], { stroke: '#555' }),
    ],
  });
  const shown = options.series.filter((s) => options.bars.some((b) => b.series === s.name));
  return { name: options.name, title: options.title, svg: frame(plot.outerHTML, height, options.title, shown) };
}
