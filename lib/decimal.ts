/**
 * Exact money: amounts travel as decimal strings ("1234.50") or integer cents, never as floats
 * past the parser.
 */

const DECIMAL_TEXT = /^[-+]?(\d+)(\.(\d+))?$/;

/** Whether text is a plain decimal number ("12", "-3.5", "0.125"). */
export function isDecimalText(text: string): boolean {
  return DECIMAL_TEXT.test(text);
}

/** The decimal text as an unscaled bigint at `scale` digits, rounding half away from zero. */
export function decimalToUnscaled(text: string, scale: number): bigint {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a decimal number`);
  const negative = text.trim().startsWith('-');
  const whole = match[1] ?? '0';
  const fraction = match[3] ?? '';
  const kept = (fraction + '0'.repeat(scale)).slice(0, scale);
  let unscaled = BigInt(whole + kept);
  const next = fraction.charCodeAt(scale);
  if (!Number.isNaN(next) && next >= 53 /* '5' */) unscaled += 1n;
  return negative ? -unscaled : unscaled;
}

/** An unscaled bigint as decimal text with exactly `scale` digits after the point. */
export function unscaledToDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** A JSON number (BuildOps money) rounded once to cents, as decimal text. */
export function moneyFromNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a finite amount`);
  // toFixed works on the binary value (1.005 → "1.00"); going through the shortest decimal
  // representation first rounds what the sender meant.
  return unscaledToDecimal(decimalToUnscaled(String(value).includes('e') ? value.toFixed(12) : String(value), 2), 2);
}

/** Normalizes decimal text to `scale` digits ("1.5" → "1.50"). */
export function normalizeDecimal(text: string, scale: number): string {
  return unscaledToDecimal(decimalToUnscaled(text, scale), scale);
}
