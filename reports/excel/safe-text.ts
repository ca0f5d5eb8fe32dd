/**
 * Formula-injection protection for text written to a spreadsheet or a CSV. Text that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or becomes one) in Excel,
 * LibreOffice and Google Sheets once it reaches a cell through a CSV, a paste or an edit.
 *
 * Such text gets a leading apostrophe, kept as a visible character (OWASP's advice for CSV):
 * in the .xlsx the cell is already a plain string cell, which no spreadsheet evaluates, but a
 * string cell alone is not enough — LibreOffice's and Excel's "save as CSV" write its text
 * back out bare, and the next program that opens that CSV runs it. The apostrophe survives
 * every later export. (exceljs 4.4 cannot write the hidden `quotePrefix` style, and a cell
 * with that style also comes out bare in LibreOffice's CSV export — measured with 7.4.)
 */

const TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Whether text would be read as a formula by a spreadsheet. */
export function isFormulaLike(text: string): boolean {
  return text.length > 0 && TRIGGERS.has(text[0] as string);
}

/** Text made safe for a spreadsheet cell or a CSV field: formula-like text gets a leading apostrophe. */
export function safeText(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text;
}
