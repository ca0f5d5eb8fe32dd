/**
 * The CFO report: one self-contained HTML file per run (inline CSS and SVG charts, no scripts,
 * nothing fetched), with the close status on top, data freshness, the trend since the previous
 * report, and one section per finding mart with its chart and the table behind it. Optionally a
 * PNG of each chart (resvg) and a PDF of the page (headless Chromium, when installed).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { errorMessage } from '../../lib/errors.ts';
import { writeChartPng } from '../charts/index.ts';
import type { Chart } from '../charts/index.ts';
import { readBuildInfo } from '../build-info.ts';
import { previousRun, recordRun } from '../history.ts';
import { previousBuildSentence, readPreviousBuilds } from '../previous-builds.ts';
import type { PreviousBuild } from '../previous-builds.ts';
import type { HistoryFigure, PreviousRun } from '../history.ts';
import type { ReportOptions } from '../types.ts';
import { NO_HISTORY, historyOf } from '../types.ts';
import { writebackSection } from './writeback-section.ts';
import { insightSections } from './insights.ts';
import { REPORT_CSS } from './style.ts';
import { escapeHtml, formatCents, formatCount, formatDate, formatList, formatMoney, formatPercent, formatTimestamp, toCents } from './format.ts';
import {
  arAgingSection,
  arBridgeSection,
  billingDuplicatesSection,
  closePane,
  complianceSection,
  costCodeDriftSection,
  freshness,
  invoiceStatusSection,
  reportContext,
  retainageSection,
  serviceBatchesSection,
  wipSection,
} from './sections.ts';
import type { ClosePane, ColumnKind, Freshness, Section, SectionTable } from './sections.ts';
import { CHECKS, checkLabel } from '../catalog.ts';

export const CFO_REPORT_FILE = 'cfo-report.html';

export interface CfoReportResult {
  html: string;
  pngs: string[];
  pdf: string | null;
}

/** A tracked figure of this run, with what it is called and how it reads. */
interface TrackedFigure extends HistoryFigure {
  label: string;
  kind: 'money' | 'count';
}

/** What the CFO report may add to the HTML page: chart images and a PDF. */
export interface CfoReportExtras {
  png?: boolean;
  pdf?: boolean;
  /** The Chromium binary that prints the PDF (the scheduler looks for it); without one, no PDF, with a warning. */
  chromium?: string | null;
  now?: Date;
}

/** Writes `cfo-report.html` (and, on request, `charts/<name>.png` and `cfo-report.pdf`) into options.outDir. */
export async function writeCfoReport(options: ReportOptions & CfoReportExtras): Promise<CfoReportResult> {
  const { warehouse, outDir, asOf, companyCode, logger } = options;
  const now = options.now ?? new Date();
  mkdirSync(outDir, { recursive: true });
  const ctx = await reportContext(warehouse, companyCode, asOf);
  const pane = await closePane(ctx);
  const sections = [
    await arAgingSection(ctx),
    await arBridgeSection(ctx),
    await invoiceStatusSection(ctx),
    await costCodeDriftSection(ctx),
    await billingDuplicatesSection(ctx),
    await retainageSection(ctx),
    await complianceSection(ctx),
    await serviceBatchesSection(ctx),
    await wipSection(ctx),
    await writebackSection(ctx),
    ...(await insightSections(ctx)),
  ];
  // meta (loads, the report history) is read through the history connection: a reader role sees marts only.
  const history = historyOf(options);
  const sources = history ? await freshness(history) : null;
  const previousBuilds = history ? await readPreviousBuilds(history) : [];

  const figures = trackedFigures(pane, sections);
  let previous: PreviousRun | null = null;
  if (history === null) logger.warn('report.history', `CFO report: ${NO_HISTORY}; the report has no trend`);
  else
    try {
      // Like with like: the trend is kept per company, the built company when none is named.
      const scope = companyCode ?? (await readBuildInfo(warehouse))?.companyCode ?? null;
      previous = await previousRun(history, asOf, scope);
      await recordRun(history, asOf, scope, now, figures);
    } catch (error) {
      logger.warn('report.history', `The report history (meta.report_history) could not be read or written: ${errorMessage(error)}; the report has no trend`);
    }

  const html = renderPage({ asOf, companyCode, companyName: options.companyName ?? null, now, pane, sections, sources, figures, previous, previousBuilds });
  const htmlPath = join(outDir, CFO_REPORT_FILE);
  writeFileAtomic(htmlPath, html);
  logger.info('report.html', `CFO report: ${htmlPath}`, { path: htmlPath });

  const pngs: string[] = [];
  if (options.png) {
    const dir = join(outDir, 'charts');
    mkdirSync(dir, { recursive: true });
    for (const chart of [pane.chart, ...sections.map((s) => s.chart)].filter((c): c is Chart => c !== null)) {
      const path = join(dir, `${chart.name}.png`);
      writeChartPng(chart, path);
      pngs.push(path);
    }
    logger.info('report.png', `${pngs.length} chart image(s) in ${dir}`, { dir, count: pngs.length });
  }

  let pdf: string | null = null;
  if (options.pdf) {
    const chromium = options.chromium ?? null;
    if (chromium === null) {
      logger.warn('report.pdf', 'No PDF: Chromium is not installed (looked for /usr/bin/chromium, chromium, chromium-browser, google-chrome on PATH)');
    } else {
      pdf = join(outDir, 'cfo-report.pdf');
      await printToPdf(chromium, htmlPath, pdf);
      logger.info('report.pdf', `CFO report PDF: ${pdf}`, { path: pdf });
    }
  }
  return { html: htmlPath, pngs, pdf };
}

/** The headline figures this run records for the next run's trend. */
function trackedFigures(pane: ClosePane, sections: readonly Section[]): TrackedFigure[] {
  const figures = new Map<string, TrackedFigure>();
  for (const row of pane.rows) {
    if (row.status === 'not built') continue;
    figures.set(`close.${row.check}.open_findings`, {
      figure: `close.${row.check}.open_findings`,
      value: String(row.open_findings ?? 0),
      label: `Close check ${row.check}: open findings`,
      kind: 'count',
    });
    figures.set(`close.${row.check}.amount_at_risk`, {
      figure: `close.${row.check}.amount_at_risk`,
      value: String(row.amount_at_risk ?? '0'),
      label: `Close check ${row.check}: amount at risk`,
      kind: 'money',
    });
  }
  for (const section of sections) {
    for (const headline of section.headlines) {
      if (!headline.figure || headline.value === null || headline.value === undefined) continue;
      const kind = headline.kind === 'money' ? 'money' : 'count';
      figures.set(headline.figure, { figure: headline.figure, value: String(headline.value), label: `${section.title}: ${headline.label}`, kind });
    }
  }
  return [...figures.values()];
}

interface Page {
  asOf: string;
  companyCode: string | null;
  companyName: string | null;
  now: Date;
  pane: ClosePane;
  sections: Section[];
  /** The latest load per source, or null when meta.loads could not be read (a reader-only report). */
  sources: Freshness[] | null;
  figures: TrackedFigure[];
  previous: PreviousRun | null;
  /** Marts shown from an earlier build than this run's (they failed their checks, or could not be rebuilt). */
  previousBuilds: PreviousBuild[];
}

function renderPage(page: Page): string {
  const company = page.companyName ?? (page.companyCode ? `company ${page.companyCode}` : 'all companies');
  const title = `Close status and findings — ${company}, as of ${formatDate(page.asOf)}`;
  const nav = [['close-status', 'Close status'], ['freshness', 'Data freshness'], ['trend', 'Trend'], ...page.sections.map((s) => [s.id, s.title])]
    .map(([id, name]) => `<a href="#${escapeHtml(id)}">${escapeHtml(name)}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">As of <strong>${escapeHtml(formatDate(page.asOf))}</strong> · generated ${escapeHtml(formatTimestamp(page.now))} by plumbline from the warehouse marts. Money in US dollars; negatives in parentheses.</p>
<nav aria-label="Sections">${nav}</nav>
</header>
<main>
${renderPreviousBuilds(page.previousBuilds)}${renderClose(page)}
${renderFreshness(page)}
${renderTrend(page)}
${page.sections.map((s) => renderSection(s, page.previousBuilds.find((p) => p.mart === s.mart) ?? null)).join('\n')}
</main>
<footer><p>Every table shows its first rows; the Excel workbooks (ar-aging.xlsx, reconciliation.xlsx) beside this file hold every row.</p></footer>
</body>
</html>
`;
}

/** The banner on top of a report some of whose marts are from their previous build: which, when that build was, and why. */
function renderPreviousBuilds(builds: readonly PreviousBuild[]): string {
  if (builds.length === 0) return '';
  const items = builds
    .map(
      (b) =>
        `<li data-mart="${escapeHtml(b.mart)}">${statusBadge('blocking')} <strong>marts.${escapeHtml(b.mart)}</strong>: ${escapeHtml(previousBuildSentence(b))}</li>`,
    )
    .join('');
  return `<section id="previous-build" class="previous-build" role="alert"><h2>Not rebuilt tonight: figures from the previous build</h2>
<p>${builds.length} mart${builds.length === 1 ? '' : 's'} could not be rebuilt in this run. ${builds.length === 1 ? 'Its' : 'Their'} figures below are those of the previous build, kept as it was, and block the close until the cause is fixed and the run is repeated.</p>
<ul>${items}</ul></section>
`;
}

function statusBadge(status: string): string {
  const cls = ['ok', 'attention', 'blocking'].includes(status) ? status : 'unknown';
  return `<span class="status status-${cls}">${escapeHtml(status)}</span>`;
}

function changeText(kind: 'money' | 'count', now: string, before: string | undefined): string {
  if (before === undefined) return '';
  const delta = toCents(now) - toCents(before);
  if (delta === 0n) return 'no change';
  const sign = delta > 0n ? '▲ ' : '▼ ';
  if (kind === 'money') return sign + formatCents(delta < 0n ? -delta : delta);
  return sign + formatCount((delta < 0n ? -delta : delta) / 100n);
}

/** One group of the close pane: its rows with their own total (never summed with another group). */
function closeGroup(
  title: string,
  note: string,
  rows: readonly { label: string; href: string | null; amount: string; count: string; detail: string }[],
  empty: string,
): string {
  const total = rows.reduce((sum, r) => sum + toCents(r.amount), 0n);
  const body =
    rows.length === 0
      ? `<p class="empty">${escapeHtml(empty)}</p>`
      : `<ul class="close-list">${rows
          .map((r) => {
            const name = r.href ? `<a href="#${escapeHtml(r.href)}">${escapeHtml(r.label)}</a>` : escapeHtml(r.label);
            return `<li><span class="close-amount">${escapeHtml(formatMoney(r.amount))}</span> ${name}${r.count ? ` <span class="note">(${escapeHtml(r.count)})</span>` : ''}${r.detail ? `<br><span class="close-detail">${escapeHtml(r.detail)}</span>` : ''}</li>`;
          })
          .join('')}</ul>`;
  return `<div class="close-group"><h3>${escapeHtml(title)} <span class="close-total">${escapeHtml(formatCents(total))}</span></h3><p class="note">${escapeHtml(note)}</p>${body}</div>`;
}

function renderClose(page: Page): string {
  const { pane, previous } = page;
  const heading = '<h2>Close status</h2>';
  if (pane.unavailable) {
    // Nothing of either system loaded: say that first, never a pane that reads as "nothing found".
    const nothingLoaded =
      page.sources !== null && !page.sources.some((s) => s.source !== 'mappings')
        ? '<p class="unavailable no-data"><strong>No data loaded</strong>: neither BuildOps nor Spectrum has been loaded into this warehouse (meta.loads has no successful load), so nothing could be checked. Configure a source and run plumbline run.</p>'
        : '';
    return `<section id="close-status">${heading}${nothingLoaded}<p class="unavailable">${escapeHtml(pane.unavailable)}</p></section>`;
  }
  const counts = ['blocking', 'attention', 'ok'].map((s) => `${pane.rows.filter((r) => r.status === s).length} ${s}`).join(' · ');
  const findings = (n: number): string => `${formatCount(n)} finding${n === 1 ? '' : 's'}`;
  const asItem = (r: (typeof pane.rows)[number]): { label: string; href: string | null; amount: string; count: string; detail: string } => ({
    label: checkLabel(r.check),
    href: CHECKS[r.check]?.section ?? null,
    amount: r.amount_at_risk,
    count: findings(Number(r.open_findings ?? 0)),
    detail: r.detail,
  });
  const blocking = pane.rows.filter((r) => r.status === 'blocking');
  const cash = pane.rows.filter((r) => CHECKS[r.check]?.group === 'cash' && r.status !== 'blocking' && Number(r.open_findings ?? 0) > 0);
  const exposure = (pane.exposure ?? []).map((b) => ({
    label: `Past due ${b.label}, net of retainage`,
    href: 'ar-aging',
    amount: b.amount,
    count: '',
    detail: '',
  }));
  const groups = [
    closeGroup(
      'What blocks the close',
      'The books would close wrong until these are fixed. The amount is each check’s amount at risk.',
      blocking.map(asItem),
      'Nothing blocks the close.',
    ),
    pane.exposure === null
      ? ''
      : closeGroup(
          'Exposure: past-due receivables',
          'Open AR past its due date, net of retainage, by days past due (from the AR aging). Collect it; it does not block the close.',
          exposure,
          'No receivable is past due.',
        ),
    closeGroup(
      'Cash held or owed',
      'Subcontractor pay held by the compliance gate, and approved service work not yet billed.',
      cash.map(asItem),
      'No pay is held and no approved ticket waits to be billed.',
    ),
  ].join('');
  const showLoaded = pane.rows.some((r) => r.last_loaded_at !== null && r.last_loaded_at !== undefined && r.last_loaded_at !== '');
  const trendHead = previous ? `<th>Change since ${escapeHtml(formatDate(previous.asOf))}</th>` : '';
  const rows = pane.rows
    .map((r) => {
      const before = previous?.figures.get(`close.${r.check}.amount_at_risk`);
      const beforeCount = previous?.figures.get(`close.${r.check}.open_findings`);
      const trend = previous ? `<td>${escapeHtml(closeChange(r, before, beforeCount))}</td>` : '';
      const section = CHECKS[r.check]?.section;
      const name = section ? `<a href="#${escapeHtml(section)}">${escapeHtml(checkLabel(r.check))}</a>` : escapeHtml(checkLabel(r.check));
      return `<tr data-check="${escapeHtml(r.check)}"><td class="num">${escapeHtml(formatMoney(r.amount_at_risk))}</td><td>${statusBadge(r.status)}</td><td>${name}</td><td>${escapeHtml(r.area)}</td><td class="num">${escapeHtml(formatCount(r.open_findings ?? 0))}</td>${showLoaded ? `<td>${escapeHtml(formatTimestamp(r.last_loaded_at))}</td>` : ''}<td class="detail">${escapeHtml(r.detail)}</td>${trend}</tr>`;
    })
    .join('\n');
  const table =
    pane.rows.length === 0
      ? '<p class="empty">No checks to show.</p>'
      : `<details class="close-all"><summary>Every check (${escapeHtml(counts)})</summary><div class="table-wrap"><table><thead><tr><th class="num">Amount at risk</th><th>Status</th><th>Check</th><th>Area</th><th class="num">Open findings</th>${showLoaded ? '<th>Last loaded</th>' : ''}<th>Detail</th>${trendHead}</tr></thead><tbody>
${rows}
</tbody></table></div></details>`;
  // A warehouse no system was loaded into has no findings because it has no data: never show that as "0 blocking".
  const noData = page.sources !== null && !page.sources.some((s) => s.source !== 'mappings') && pane.rows.every((r) => !r.open_findings);
  const noDataNote = noData
    ? '<p class="unavailable no-data"><strong>No data loaded</strong>: neither BuildOps nor Spectrum has been loaded into this warehouse (meta.loads has no successful load), so nothing could be checked. Configure a source and run plumbline run.</p>\n'
    : '';
  return `<section id="close-status" class="pane">${heading}
${noDataNote}<div class="close-groups">${groups}</div>
${pane.chart ? figure(pane.chart) : ''}${table}</section>`;
}

/** The change of a check since the previous report: findings and amount at risk. */
function closeChange(row: { open_findings: number; amount_at_risk: string }, before: string | undefined, beforeCount: string | undefined): string {
  if (before === undefined && beforeCount === undefined) return 'new check';
  const count = changeText('count', String(row.open_findings ?? 0), beforeCount);
  const amount = changeText('money', String(row.amount_at_risk ?? '0'), before);
  if (count === 'no change' && amount === 'no change') return 'no change';
  return `findings ${count}; amount ${amount}`;
}

function renderFreshness(page: Page): string {
  const body =
    page.sources === null
      ? '<p class="unavailable">Not available: this report was read through the reader role, which sees the marts only (not meta.loads). The close status shows when each check’s data was last loaded.</p>'
      : page.sources.length === 0
        ? '<p class="unavailable">No successful load is recorded in meta.loads.</p>'
        : `<div class="table-wrap"><table><thead><tr><th>Source</th><th>Last successful load</th><th class="num">Resources loaded</th><th>Age at report time</th></tr></thead><tbody>${page.sources
            .map((s) => {
              const hours = s.last_loaded_at ? Math.max(0, (page.now.getTime() - new Date(s.last_loaded_at).getTime()) / 3_600_000) : null;
              const age = hours === null ? '' : hours < 1 ? 'under an hour' : hours < 48 ? `${Math.floor(hours)} hours` : `${Math.floor(hours / 24)} days`;
              return `<tr><td>${escapeHtml(s.source)}</td><td>${escapeHtml(formatTimestamp(s.last_loaded_at))}</td><td class="num">${escapeHtml(formatCount(s.resources))}</td><td>${escapeHtml(age)}</td></tr>`;
            })
            .join('')}</tbody></table></div>`;
  return `<section id="freshness"><h2>Data freshness</h2><p>The latest successful load of each source (meta.loads). Findings are only as current as these.</p>${body}</section>`;
}

function renderTrend(page: Page): string {
  const heading = '<h2>Trend since the previous report</h2>';
  if (!page.previous)
    return `<section id="trend">${heading}<p class="note">No earlier report to compare with: no report has been run with an as-of date before ${escapeHtml(formatDate(page.asOf))}.</p></section>`;
  const previous = page.previous;
  const rows = page.figures
    .filter((f) => previous.figures.has(f.figure))
    .map((f) => {
      const before = previous.figures.get(f.figure)!;
      const show = (v: string): string => (f.kind === 'money' ? formatMoney(v) : formatCount(toCents(v) / 100n));
      return `<tr><td>${escapeHtml(f.label)}</td><td class="num">${escapeHtml(show(before))}</td><td class="num">${escapeHtml(show(f.value))}</td><td class="num">${escapeHtml(changeText(f.kind, f.value, before))}</td></tr>`;
    })
    .join('\n');
  return `<section id="trend">${heading}<p>Against the report as of ${escapeHtml(formatDate(previous.asOf))} (run ${escapeHtml(formatTimestamp(previous.runAt))}).</p>
<div class="table-wrap"><table><thead><tr><th>Figure</th><th class="num">${escapeHtml(formatDate(previous.asOf))}</th><th class="num">${escapeHtml(formatDate(page.asOf))}</th><th class="num">Change</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

function headlineValue(kind: ColumnKind, value: unknown): string {
  return formatCell(kind, value);
}

function renderSection(section: Section, previousBuild: PreviousBuild | null): string {
  const label = previousBuild ? `<p class="previous-build-label">${statusBadge('blocking')} ${escapeHtml(previousBuildSentence(previousBuild))}</p>` : '';
  const heading = `<h2>${escapeHtml(section.title)}</h2><p class="source">marts.${escapeHtml(section.mart)}</p>${label}`;
  if (section.unavailable) return `<section id="${escapeHtml(section.id)}">${heading}<p class="unavailable">${escapeHtml(section.unavailable)}</p></section>`;
  const headlines = section.headlines
    .map(
      (h) =>
        `<div class="kpi"><span class="kpi-label">${escapeHtml(h.label)}</span><span class="kpi-value">${escapeHtml(headlineValue(h.kind, h.value))}</span></div>`,
    )
    .join('');
  const body =
    section.table && section.table.total === 0
      ? `<p class="empty">${escapeHtml(section.empty)}</p>`
      : `${section.chart ? figure(section.chart) : ''}${section.table ? renderTable(section.table) : ''}`;
  return `<section id="${escapeHtml(section.id)}">${heading}<p>${escapeHtml(section.description)}</p><div class="kpis">${headlines}</div>${body}</section>`;
}

function figure(chart: Chart): string {
  // The SVG is built from escaped text (Plot through linkedom, the legend by escapeHtml).
  return `<figure class="chart">${chart.svg}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`;
}

function formatCell(kind: ColumnKind, value: unknown): string {
  switch (kind) {
    case 'money':
      return formatMoney(value);
    case 'date':
      return formatDate(value);
    case 'timestamp':
      return formatTimestamp(value);
    case 'count':
      return formatCount(value);
    case 'percent':
      return formatPercent(value);
    case 'list':
      return formatList(value);
    case 'bool':
      return value === null || value === undefined ? '' : value === true || value === 'true' || value === 'Y' ? 'yes' : 'no';
    default:
      return value === null || value === undefined ? '' : String(value);
  }
}

function renderTable(table: SectionTable): string {
  const numeric = (kind: ColumnKind): boolean => kind === 'money' || kind === 'count' || kind === 'percent';
  const head = table.columns.map((c) => `<th${numeric(c.kind) ? ' class="num"' : ''}>${escapeHtml(c.label)}</th>`).join('');
  // data-label names the column of each cell: on a phone a row reads as a card, money first.
  const cell = (kind: ColumnKind, value: unknown, key: string, label: string): string => {
    const cls = [numeric(kind) ? 'num' : '', kind === 'money' ? 'money' : '', key === 'detail' ? 'detail' : ''].filter(Boolean).join(' ');
    const content = kind === 'status' ? statusBadge(String(value ?? '')) : escapeHtml(formatCell(kind, value));
    return `<td${cls ? ` class="${cls}"` : ''} data-label="${escapeHtml(label)}">${content}</td>`;
  };
  const rows = table.rows.map((row) => `<tr>${table.columns.map((c) => cell(c.kind, row[c.key], c.key, c.label)).join('')}</tr>`).join('\n');
  const totals = table.totals
    ? `<tfoot><tr>${table.columns.map((c) => cell(c.kind === 'status' ? 'text' : c.kind, table.totals?.[c.key], c.key, c.label)).join('')}</tr></tfoot>`
    : '';
  const more =
    table.total > table.rows.length
      ? `<p class="more">${escapeHtml(formatCount(table.total - table.rows.length))} more in the workbook ${escapeHtml(table.workbook)}.</p>`
      : '';
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody>${totals}</table></div>${more}`;
}

/** Prints the HTML file to PDF with headless Chromium (a throwaway profile, nothing fetched). */
async function printToPdf(chromium: string, htmlPath: string, pdfPath: string): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'plumbline-chromium-'));
  try {
    await promisify(execFile)(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--no-pdf-header-footer',
        `--print-to-pdf=${pdfPath}`,
        pathToFileURL(htmlPath).href,
      ],
      { timeout: 120_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (!existsSync(pdfPath)) throw new Error(`Chromium did not write ${pdfPath}`);
}
