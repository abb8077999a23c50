import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseResidentId, parseUscc } from './identity-numbers.ts';

// Independent check-character implementations, so a shared mistake cannot make both sides agree.

// ISO 7064 MOD 11-2 in its recursive form: p = 2(p + digit) mod 11, check value = (12 − p) mod 11.
function idCheck(first17: string): string {
  let p = 0;
  for (const c of first17) p = ((p + Number(c)) * 2) % 11;
  const v = (12 - p) % 11;
  return v === 10 ? 'X' : String(v);
}
const withIdCheck = (first17: string) => first17 + idCheck(first17);

// GB 32100 weights are 3^i mod 31; the check value c makes (Σ + c) divisible by 31.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function usccCheck(first17: string): string {
  let sum = 0;
  let w = 1;
  for (const ch of first17) {
    sum += ALPHABET.indexOf(ch) * w;
    w = (w * 3) % 31;
  }
  for (let c = 0; c < 31; c++) if ((sum + c) % 31 === 0) return ALPHABET[c]!;
  throw new Error('unreachable');
}
const withUsccCheck = (first17: string) => first17 + usccCheck(first17);

const TODAY = new Date('2025-06-15T04:00:00Z');

test('resident ID: GB 11643 example is valid and parsed', () => {
  assert.deepEqual(parseResidentId('11010519491231002X', TODAY), {
    ok: true,
    value: '11010519491231002X',
    birthDate: '1949-12-31',
    sex: 'female',
    areaCode: '110105',
  });
  assert.equal(idCheck('11010519491231002'), 'X', 'the test oracle agrees with the standard example');
});

test('resident ID: generated numbers across provinces, sexes and leap days', () => {
  const cases: [string, string, 'male' | 'female'][] = [
    [withIdCheck('44030519900101123'), '1990-01-01', 'male'],
    [withIdCheck('65010220000229004'), '2000-02-29', 'female'],
    [withIdCheck('81000019000101001'), '1900-01-01', 'male'],
    [withIdCheck('83000020250615002'), '2025-06-15', 'female'],
  ];
  for (const [id, birthDate, sex] of cases) {
    const r = parseResidentId(id, TODAY);
    assert.ok(r.ok, `${id} should be valid: ${JSON.stringify(r)}`);
    assert.equal(r.birthDate, birthDate);
    assert.equal(r.sex, sex);
    assert.equal(r.areaCode, id.slice(0, 6));
  }
});

test('resident ID: full-width digits, lower-case x and surrounding spaces are normalised', () => {
  const r = parseResidentId('  １１０１０５１９４９１２３１００２ｘ ', TODAY);
  assert.ok(r.ok);
  assert.equal(r.value, '11010519491231002X');
  assert.equal(parseResidentId('11010519491231002x', TODAY).ok, true);
});

test('resident ID: each kind of error has its own code', () => {
  const code = (s: string) => {
    const r = parseResidentId(s, TODAY);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code(''), 'ID_NUMBER_LENGTH');
  assert.equal(code('110105491231002'), 'ID_NUMBER_LENGTH', 'first-generation 15-digit numbers are not accepted');
  assert.equal(code('11010519491231002X1'), 'ID_NUMBER_LENGTH');
  assert.equal(code('1101051949123100XX'), 'ID_NUMBER_CHARS');
  assert.equal(code('A1010519491231002X'), 'ID_NUMBER_CHARS');
  assert.equal(code('11010519491231002Y'), 'ID_NUMBER_CHARS');
  assert.equal(code(withIdCheck('99010519491231002')), 'ID_NUMBER_AREA');
  assert.equal(code(withIdCheck('00010519491231002')), 'ID_NUMBER_AREA');
  assert.equal(code(withIdCheck('11010519490231002')), 'ID_NUMBER_BIRTH_DATE', 'February 31st');
  assert.equal(code(withIdCheck('11010519000229002')), 'ID_NUMBER_BIRTH_DATE', '1900 is not a leap year');
  assert.equal(code(withIdCheck('11010518991231002')), 'ID_NUMBER_BIRTH_DATE', 'before 1900');
  assert.equal(code(withIdCheck('11010519491301002')), 'ID_NUMBER_BIRTH_DATE', 'month 13');
  assert.equal(code(withIdCheck('11010519491200002')), 'ID_NUMBER_BIRTH_DATE', 'day 0');
  assert.equal(code(withIdCheck('11010520250616002')), 'ID_NUMBER_BIRTH_DATE', 'tomorrow');
  assert.equal(code('110105194912310021'), 'ID_NUMBER_CHECKSUM');
  assert.equal(code('11010519491231003X'), 'ID_NUMBER_CHECKSUM', 'one digit changed');
  const r = parseResidentId('110105194912310021', TODAY);
  assert.ok(!r.ok && /校验位/.test(r.message) && /check/.test(r.message));
});

test('resident ID: "today" is the calendar day in China, not in UTC', () => {
  // 2024-05-31T17:00Z is already 1 June in Beijing.
  const justAfterMidnight = new Date('2024-05-31T17:00:00Z');
  assert.equal(parseResidentId(withIdCheck('11010520240601001'), justAfterMidnight).ok, true);
  const r = parseResidentId(withIdCheck('11010520240602001'), justAfterMidnight);
  assert.ok(!r.ok && r.code === 'ID_NUMBER_BIRTH_DATE');
});

test('USCC: generated codes across authorities validate and are described', () => {
  const r = parseUscc(withUsccCheck('91440300MA5FXXXX1'));
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.authority, '9');
  assert.equal(r.categoryName, '企业');
  assert.equal(r.areaCode, '440300');
  assert.equal(r.orgCode, 'MA5FXXXX1');
  for (const body of ['12100000400000001', '51110000500000001', 'N2330100MA0000001', 'Y1110105MA0000001', '31440300455000001']) {
    const code = withUsccCheck(body);
    assert.equal(parseUscc(code).ok, true, code);
  }
  // A category newer than the table is accepted without a name rather than refused.
  const newer = parseUscc(withUsccCheck('54110105MA0000001'));
  assert.ok(newer.ok);
  assert.equal(newer.categoryName, undefined);
});

test('USCC: full-width and lower-case input is normalised', () => {
  const code = withUsccCheck('91440300MA5FXXXX1');
  const fullWidth = [...code.toLowerCase()].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
  const r = parseUscc(` ${fullWidth} `);
  assert.ok(r.ok);
  assert.equal(r.value, code);
});

test('USCC: each kind of error has its own code', () => {
  const code = (s: string) => {
    const r = parseUscc(s);
    return r.ok ? 'ok' : r.code;
  };
  const valid = withUsccCheck('91440300MA5FXXXX1');
  assert.equal(code(valid), 'ok');
  assert.equal(code(valid.slice(0, 17)), 'USCC_LENGTH');
  assert.equal(code(valid + '0'), 'USCC_LENGTH');
  for (const letter of ['I', 'O', 'S', 'V', 'Z', '-']) {
    assert.equal(code(valid.slice(0, 10) + letter + valid.slice(11)), 'USCC_CHARS', letter);
  }
  assert.equal(code(withUsccCheck('B1440300MA5FXXXX1')), 'USCC_CHARS', 'unknown registration authority');
  assert.equal(code(withUsccCheck('9A440300MA5FXXXX1')), 'USCC_CHARS', 'category must be a digit');
  assert.equal(code(withUsccCheck('9144A300MA5FXXXX1')), 'USCC_AREA', 'letter in the area code');
  assert.equal(code(withUsccCheck('91990300MA5FXXXX1')), 'USCC_AREA', 'no such province');
  const last = valid[17]!;
  const wrong = ALPHABET[(ALPHABET.indexOf(last) + 1) % 31]!;
  assert.equal(code(valid.slice(0, 17) + wrong), 'USCC_CHECKSUM');
  assert.equal(code(valid.slice(0, 12) + (valid[12] === '1' ? '2' : '1') + valid.slice(13)), 'USCC_CHECKSUM');
});

test('USCC: codes inside published e-licence identifiers validate', (t) => {
  const file = new URL('../../../../shared/fixtures/licence-identifiers.json', import.meta.url);
  if (!fs.existsSync(file)) {
    t.skip('shared fixtures folder not present (../shared/fixtures/licence-identifiers.json)');
    return;
  }
  const { cases } = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    cases: { typeCode?: string; issuerCode?: string; valid: boolean }[];
  };
  // The licence type code is the defining body's USCC plus a 3-digit number; the issuer code is a
  // USCC or a 6-digit area code.
  const codes = cases
    .filter((c) => c.valid)
    .flatMap((c) => [c.typeCode?.slice(0, 18), c.issuerCode])
    .filter((c): c is string => c?.length === 18);
  assert.ok(codes.length >= 3, 'the fixture provides USCC vectors');
  for (const c of codes) {
    assert.deepEqual(parseUscc(c).ok, true, `${c}: ${JSON.stringify(parseUscc(c))}`);
    assert.equal(usccCheck(c.slice(0, 17)), c[17], `${c}: the test oracle agrees`);
  }
});
