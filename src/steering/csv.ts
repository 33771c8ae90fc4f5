/**
 * Minimal RFC 4180 CSV reader: comma separated, fields optionally in double quotes, "" is a quote
 * inside a quoted field, quoted fields may contain commas and newlines. CRLF and LF both end a record.
 * Returns records as arrays of fields (a trailing empty line is dropped).
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const endField = (): void => {
    record.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = (): void => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (ch === ',') {
      endField();
      i++;
    } else if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      if (ch === '"') throw new Error(`CSV: stray quote inside an unquoted field on record ${records.length + 1}`);
      field += ch;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted) throw new Error(`CSV: unterminated quoted field on record ${records.length + 1}`);
  if (fieldStarted || field !== '' || record.length > 0) endRecord();
  return records;
}
