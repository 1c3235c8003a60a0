/**
 * The one CSV splitter (RFC 4180): records end at LF or CRLF outside quotes; a
 * double quote groups a field (its delimiters and line breaks are text) and
 * `""` inside quotes is one quote. Two steps, so callers that keep a record's
 * raw text (replay writes CSV rows as they are in the file) can:
 * `splitCsvRecords` / `CsvRecordSplitter` cut text into records, streaming
 * across chunks, and `splitCsvLine` cuts one record into fields.
 *
 * Like the readers it replaces it is lenient: a quote in the middle of a field
 * also opens quoting (`a"b,c"d` is one field `ab,cd`), and an unterminated
 * quote runs to the end of the record.
 */

/** Splits one record into fields at `delimiter` (any non-empty string; default ","), honouring quotes. */
// hot path: once per CSV record (records of SQL inputs, replay rows)
export function splitCsvLine(line: string, delimiter = ','): string[] {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const out: string[] = [];
  const single = delimiter.length === 1;
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c !== '"') cur += c;
      else if (line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (single ? c === delimiter : line.startsWith(delimiter, i)) {
      out.push(cur);
      cur = '';
      i += delimiter.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A field as CSV writes it: quoted (with `""` for quotes) when it holds the delimiter, a quote, CR or LF. */
export function formatCsvField(value: string, delimiter = ','): string {
  const needs = value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r');
  return needs ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Cuts CSV text into records as it arrives in chunks: a record ends at LF or CRLF outside quotes
 * (a quoted field may span lines). Records come out without their line ending; a chunk may end
 * anywhere, between CR and LF or inside a quoted `""` included.
 */
export class CsvRecordSplitter {
  /** Text of the record in progress (from earlier chunks). */
  private partial = '';
  /** Whether the scan position is inside quotes. */
  private quoted = false;
  /** How much of `partial` has been scanned (its quote state is `quoted`). */
  private scanned = 0;

  /** Feeds the next chunk; returns the records it completed, in order. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let text = this.partial + chunk;
    let start = 0;
    let i = this.scanned;
    let quoted = this.quoted;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34 /* " */)
        quoted = !quoted; // `""` toggles twice: still quoted
      else if (c === 10 /* \n */ && !quoted) {
        const end = i > start && text.charCodeAt(i - 1) === 13 /* \r */ ? i - 1 : i;
        out.push(text.slice(start, end));
        start = i + 1;
      }
    }
    text = text.slice(start);
    this.partial = text;
    this.scanned = text.length;
    this.quoted = quoted;
    return out;
  }

  /** End of input: the last record if the text did not end with a line break (a trailing CR is dropped). */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    this.scanned = 0;
    this.quoted = false;
    if (rest === '') return [];
    return [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
  }
}

/** Cuts a whole CSV text into records (see CsvRecordSplitter); a final line break does not make an empty record. */
export function splitCsvRecords(text: string): string[] {
  const s = new CsvRecordSplitter();
  const out = s.push(text);
  for (const r of s.end()) out.push(r);
  return out;
}
