/**
 * Text for the CFO report: HTML escaping, accounting money, readable dates. Money stays decimal
 * text from the warehouse to the page: it is never turned into a float to be printed.
 */
import { decimalToUnscaled, unscaledToDecimal } from '../../lib/decimal.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Any value as HTML text, escaped (null and undefined are empty). */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Money as a decimal text (or number, bigint cents are not accepted here) → "$1,234.56", negatives "($1,234.56)"; null → "". */
export function formatMoney(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const cents = decimalToUnscaled(typeof value === 'number' ? value.toFixed(2) : String(value), 2);
  return formatCents(cents);
}

/** Integer cents as accounting money. */
export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const text = unscaledToDecimal(negative ? -cents : cents, 2);
  const [whole = '0', fraction = '00'] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `($${grouped}.${fraction})` : `$${grouped}.${fraction}`;
}

/** Money as integer cents (exact), 0 for null. */
export function toCents(value: unknown): bigint {
  if (value === null || value === undefined || value === '') return 0n;
  return decimalToUnscaled(typeof value === 'number' ? value.toFixed(2) : String(value), 2);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A 'YYYY-MM-DD' date (or a Date) as "Nov 15, 2026"; anything else as its text. */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match) return text;
  const month = MONTHS[Number(match[2]) - 1];
  return month ? `${month} ${Number(match[3])}, ${match[1]}` : text;
}

/** An instant as "Nov 15, 2026 06:30 UTC". */
export function formatTimestamp(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value);
  return `${formatDate(date)} ${date.toISOString().slice(11, 16)} UTC`;
}

/** A whole number with thousands separators. */
export function formatCount(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const n = typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
  return n.toLocaleString('en-US');
}

/** A ratio (0.4567) as "45.7%". */
export function formatPercent(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const n = Number(value);
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : String(value);
}

/** A value that may be a list (array) or text, as text: "a, b". */
export function formatList(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

/** A SQL string literal: the models' own quoting, one rule for every report. */
export { sqlString as sqlText } from '../../transform/render-sql.ts';
