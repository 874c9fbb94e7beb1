import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, toCsv } from '../../src/report/index.js';

describe('CSV (RFC 4180)', () => {
  it('quotes fields holding commas, quotes, CR or LF, doubles inner quotes and ends lines with CRLF', () => {
    const text = toCsv(['a', 'b', 'c'], [['plain', 'with,comma', 'say "hi"'], ['line\nbreak', null, 1.5], ['cr\rhere', '', -0.25]]);
    assert.equal(text, 'a,b,c\r\nplain,"with,comma","say ""hi"""\r\n"line\nbreak",,1.5\r\n"cr\rhere",,-0.25\r\n');
  });

  it('parses back what it writes', () => {
    const rows = [['x', 'y,z', '"q"'], ['', 'multi\r\nline', '0.1'], ['a', 'b', '']];
    assert.deepEqual(parseCsv(toCsv(['h1', 'h2', 'h3'], rows)), [['h1', 'h2', 'h3'], ...rows]);
  });

  it('keeps every digit of a double', () => {
    const v = [0.1 + 0.2, 1 / 3, 246824, 1e-7];
    const [, row] = parseCsv(toCsv(['a', 'b', 'c', 'd'], [v]));
    assert.deepEqual(row!.map(Number), v);
  });

  it('reads LF line ends and a last line without one', () => {
    assert.deepEqual(parseCsv('a,b\n1,2'), [['a', 'b'], ['1', '2']]);
  });

  it('refuses an unclosed quote', () => {
    assert.throws(() => parseCsv('a,"b\r\n'), /not closed/);
  });
});
