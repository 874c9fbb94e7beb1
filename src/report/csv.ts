/**
 * CSV as RFC 4180 has it: CRLF line ends, and a field is quoted when it holds a comma, a quote,
 * CR or LF, with quotes inside doubled. The parser reads exactly that back (tests, tools).
 */

export type CsvField = string | number | null;

function field(v: CsvField): string {
  // null is an empty field; numbers keep every digit (String() round-trips a double).
  const s = v === null ? '' : typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header line and one line per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvField[])[]): string {
  return [header, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join('');
}

/** The records of an RFC 4180 text, as strings (header included). Accepts LF line ends too. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [], value = '', i = 0, quoted = false, started = false;
  const endField = () => { record.push(value); value = ''; quoted = false; started = false; };
  const endRecord = () => { endField(); records.push(record); record = []; };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { value += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      value += ch; i++; continue;
    }
    if (ch === '"' && !started) { quoted = true; started = true; i++; continue; }
    if (ch === ',') { endField(); i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { endRecord(); i += 2; continue; }
    if (ch === '\n') { endRecord(); i++; continue; }
    value += ch; started = true; i++;
  }
  if (quoted) throw new Error(`parseCsv: a quoted field is not closed (record ${records.length + 1})`);
  if (started || record.length > 0) endRecord();
  return records;
}
