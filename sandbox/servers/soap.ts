// Just enough SOAP for Spectrum Data Exchange: read the operation's child elements, write
// the list of <response> elements back.

/** A SOAP call: the operation element's name and its child elements as strings. */
export interface SoapCall {
  operation: string;
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decode XML character and entity references. */
export function xmlDecode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return ENTITIES[ref.toLowerCase()] ?? '';
  });
}

/** Escape text for XML element content (quotes need no escape outside attributes). */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

/** Parse a SOAP 1.1/1.2 envelope (or a bare operation element); null when it is not XML we can read. */
export function parseSoap(xml: string): SoapCall | null {
  const body = /<(?:[\w-]+:)?Body\b[^>]*>([\s\S]*)<\/(?:[\w-]+:)?Body>/.exec(xml)?.[1] ?? xml.replace(/^<\?xml[^>]*\?>/, '');
  const op = /<(?:[\w-]+:)?([\w-]+)\b[^>]*?(\/?)>/.exec(body);
  if (!op) return null;
  const operation = op[1]!;
  const fields: Record<string, string> = {};
  if (op[2] === '/') return { operation, fields };
  const inner = body.slice(op.index + op[0].length);
  const child = /<(?:[\w-]+:)?([\w-]+)\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[\w-]+:)?\1\s*>)/g;
  let m: RegExpExecArray | null;
  while ((m = child.exec(inner))) {
    if (m[1] === operation) break;
    fields[m[1]!] = xmlDecode((m[2] ?? '').replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1'));
  }
  return { operation, fields };
}

/** A SOAP envelope answering `operation` with rows of child elements, each a <response>. */
export function soapResponse(operation: string, rows: ReadonlyArray<Record<string, string>>): string {
  const items = rows
    .map(
      (row) =>
        `<response>${Object.entries(row)
          .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
          .join('')}</response>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
    `<${operation}Response xmlns="urn:spectrum-data-exchange"><${operation}Result>${items}</${operation}Result></${operation}Response>` +
    '</soap:Body></soap:Envelope>'
  );
}
