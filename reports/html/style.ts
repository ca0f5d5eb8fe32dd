/** The CFO report's stylesheet: readable on a screen, on a phone (tables scroll sideways) and printed (no clipped tables). */
export const REPORT_CSS = `
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d9dce1; --band: #f5f6f8; --ok: #2e7d32; --attention: #b26a00; --blocking: #c62828; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; border-bottom: 2px solid var(--ink); }
h1 { font-size: 1.55rem; margin: 0 0 6px; }
h2 { font-size: 1.25rem; margin: 0 0 4px; }
.meta, .source, .note, footer { color: var(--muted); font-size: 0.88rem; }
.source { margin: 0 0 8px; font-family: "DejaVu Sans Mono", monospace; }
nav { display: flex; flex-wrap: wrap; gap: 6px 14px; padding: 8px 0 12px; font-size: 0.9rem; }
nav a { color: #0b57d0; text-decoration: none; }
section { padding: 22px 0 18px; border-bottom: 1px solid var(--rule); }
.pane { background: var(--band); margin: 16px -20px 0; padding: 18px 20px; border-bottom: none; }
.summary { font-size: 1.05rem; }
.close-groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; margin: 8px 0 12px; }
.close-group { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; }
.close-group h3 { font-size: 1.02rem; margin: 0 0 2px; display: flex; justify-content: space-between; gap: 10px; }
.close-total { font-variant-numeric: tabular-nums; }
.close-list { list-style: none; margin: 6px 0 0; padding: 0; }
.close-list li { padding: 4px 0; border-top: 1px solid var(--rule); }
.close-amount { display: inline-block; min-width: 7.5em; font-weight: bold; font-variant-numeric: tabular-nums; }
.close-detail { color: var(--muted); font-size: 0.84rem; }
details.close-all > summary { cursor: pointer; margin: 6px 0; font-weight: 600; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 14px; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #fff; }
.kpi-label { display: block; color: var(--muted); font-size: 0.8rem; }
.kpi-value { display: block; font-size: 1.15rem; font-weight: bold; font-variant-numeric: tabular-nums; }
figure.chart { margin: 8px 0 14px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.82rem; margin-top: 4px; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--rule); border-radius: 4px; background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; white-space: nowrap; }
th { background: var(--band); font-weight: 600; position: sticky; top: 0; }
td.detail { white-space: normal; min-width: 260px; max-width: 520px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: bold; border-top: 2px solid var(--ink); }
tbody tr:nth-child(even) { background: #fafbfc; }
.more { color: var(--muted); font-size: 0.85rem; margin: 6px 0 0; }
.empty { color: var(--ok); }
.unavailable { color: var(--muted); font-style: italic; border-left: 3px solid var(--rule); padding-left: 10px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.8rem; font-weight: bold; color: #fff; background: var(--muted); }
.status-ok { background: var(--ok); }
.status-attention { background: var(--attention); }
.status-blocking { background: var(--blocking); }
.status-unknown { background: var(--muted); }
.previous-build { border: 2px solid var(--blocking); border-radius: 6px; padding: 4px 14px; margin: 12px 0; }
.previous-build-label { border-left: 4px solid var(--blocking); padding-left: 10px; font-weight: bold; }
footer { padding: 18px 20px 30px; }
@media screen and (min-width: 1000px) {
  /* On a desktop every column is on screen: headers and text wrap, amounts and codes stay whole. */
  header, main, footer { max-width: 1400px; }
  table { table-layout: auto; font-size: 0.8rem; }
  th { white-space: normal; overflow-wrap: break-word; }
  td { white-space: normal; overflow-wrap: break-word; }
  td.num { white-space: nowrap; }
  th, td { padding: 4px 5px; }
  td.detail { min-width: 180px; max-width: 360px; }
}
@media (max-width: 640px) {
  body { font-size: 14px; }
  header, main, footer { padding: 0 12px; }
  .pane { margin: 12px -12px 0; padding: 14px 12px; }
  h1 { font-size: 1.25rem; }
  .kpi { min-width: 0; flex: 1 1 40%; }
  /* A phone reads each table row as a card: money first, every cell named. */
  .table-wrap { border: none; background: none; }
  table, tbody, tfoot, tr, td { display: block; width: 100%; }
  thead { display: none; }
  tr { display: flex; flex-wrap: wrap; border: 1px solid var(--rule); border-radius: 4px; margin: 0 0 8px; padding: 4px 6px; background: #fff; }
  td { border: none; padding: 2px 4px; white-space: normal; overflow-wrap: anywhere; flex: 1 1 45%; text-align: left; }
  td::before { content: attr(data-label); display: block; color: var(--muted); font-size: 0.72rem; }
  td:first-child { order: -2; flex-basis: 100%; font-weight: bold; }
  td.money { order: -1; font-weight: bold; }
  td.num { text-align: left; }
  td:empty { display: none; }
  td.detail { flex-basis: 100%; min-width: 0; max-width: none; }
  tfoot td { border-top: none; }
  /* Charts keep their drawn size (text at 11 px) and scroll inside their frame. */
  figure.chart { overflow-x: auto; }
  figure.chart svg { max-width: none !important; }
}
@media print {
  @page { size: letter landscape; margin: 12mm; }
  body { font-size: 10.5pt; }
  nav { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  .pane { margin: 0; background: none; }
  section { break-inside: auto; }
  h2, figure.chart { break-after: avoid; break-inside: avoid; }
  .table-wrap { overflow: visible; border: none; }
  table { font-size: 8pt; }
  th, td { padding: 3px 4px; }
  th { white-space: normal; }
  td { white-space: normal; overflow-wrap: anywhere; }
  td.num { white-space: nowrap; overflow-wrap: normal; }
  td.detail { white-space: normal; overflow-wrap: anywhere; min-width: 0; max-width: none; width: 30%; }
  th { position: static; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
