// Money is integer cents everywhere inside the generator; strings with 2 decimals at the edges.

/** "1234.50" (or "-12.00") from integer cents. */
export function cents(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A JSON number of dollars from integer cents, as BuildOps sends money. */
export function dollars(value: number): number {
  return Number(cents(value));
}

/** round(amount × basisPoints / 10000), half away from zero: a percentage of cents. */
export function percentOf(amountCents: number, basisPoints: number): number {
  return roundDiv(BigInt(amountCents) * BigInt(basisPoints), 10_000n);
}

/** round(a / b) half away from zero, on BigInts (b > 0), as a number. */
export function roundDiv(a: bigint, b: bigint): number {
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const q = (abs * 2n + b) / (2n * b);
  return Number(neg ? -q : q);
}

/** A rate of basis points as Spectrum's DECIMAL(9,4) percent text: 1000 bp → "10.0000". */
export function percentText(basisPoints: number): string {
  return (basisPoints / 100).toFixed(4);
}
