// Validators for the two identity numbers citizens and organisations type into forms:
// 居民身份证号 (GB 11643) and 统一社会信用代码 (GB 32100). Pure functions; each failure names the one
// thing that is wrong so a form can say so.

/** Province-level codes (GB/T 2260) that begin a 身份证号; 71/81/82 Taiwan/HK/Macau, 83 residence permits for Taiwan residents. */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

/** Full-width digits and Latin letters (as typed with a Chinese IME) to ASCII, trimmed. */
export function toHalfWidth(input: string): string {
  return input
    .trim()
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

// ---------------------------------------------------------------- 居民身份证号

export type ResidentIdErrorCode =
  | 'ID_NUMBER_LENGTH'
  | 'ID_NUMBER_CHARS'
  | 'ID_NUMBER_AREA'
  | 'ID_NUMBER_BIRTH_DATE'
  | 'ID_NUMBER_CHECKSUM';

export type ResidentIdResult =
  | { ok: true; value: string; birthDate: string; sex: 'male' | 'female'; areaCode: string }
  | { ok: false; code: ResidentIdErrorCode; message: string };

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';

/** Upper-case, half-width form used for storage and blind indexes. */
export function normaliseIdNumber(input: string): string {
  return toHalfWidth(input).toUpperCase();
}

/** ISO 7064 MOD 11-2 check character over the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS[sum % 11]!;
}

/** Calendar date of `d` in China (UTC+8, no daylight saving), so "today" matches the applicant's. */
function chinaDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

function isRealDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

export function parseResidentId(input: string, today: Date = new Date()): ResidentIdResult {
  const value = normaliseIdNumber(input);
  const fail = (code: ResidentIdErrorCode, message: string): ResidentIdResult => ({ ok: false, code, message });

  if (value.length !== 18) {
    return fail('ID_NUMBER_LENGTH', `身份证号应为 18 位，当前 ${value.length} 位 (must be 18 characters, got ${value.length})`);
  }
  if (!/^\d{17}[\dX]$/.test(value)) {
    return fail('ID_NUMBER_CHARS', '身份证号前 17 位应为数字，末位为数字或 X (17 digits followed by a digit or X)');
  }
  const areaCode = value.slice(0, 6);
  if (!PROVINCE_CODES.has(areaCode.slice(0, 2))) {
    return fail('ID_NUMBER_AREA', `身份证号地址码 ${areaCode} 无效 (unknown area code)`);
  }
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  // ISO dates compare correctly as strings.
  if (y < 1900 || !isRealDate(y, m, d) || birthDate > chinaDate(today)) {
    return fail('ID_NUMBER_BIRTH_DATE', `身份证号出生日期 ${value.slice(6, 14)} 无效 (invalid birth date)`);
  }
  if (residentIdCheckChar(value) !== value[17]) {
    return fail('ID_NUMBER_CHECKSUM', '身份证号校验位不正确 (check character mismatch)');
  }
  // The 17th digit (sequence code) is odd for men, even for women.
  const sex = Number(value[16]) % 2 === 1 ? 'male' : 'female';
  return { ok: true, value, birthDate, sex, areaCode };
}

// ---------------------------------------------------------------- 统一社会信用代码

export type UsccErrorCode = 'USCC_LENGTH' | 'USCC_CHARS' | 'USCC_CHECKSUM' | 'USCC_AREA';

export type UsccResult =
  | {
      ok: true;
      value: string;
      /** 登记管理部门代码 and its name. */
      authority: string;
      authorityName: string;
      /** 机构类别代码; the name is absent when the category is newer than this table. */
      category: string;
      categoryName?: string;
      /** 登记管理机关行政区划码 (100000 for national registrations). */
      areaCode: string;
      /** 主体标识码 (组织机构代码, GB 11714). */
      orgCode: string;
    }
  | { ok: false; code: UsccErrorCode; message: string };

/** GB 32100 character set; the index of a character is its value. I, O, S, V, Z are never used. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * 登记管理部门 → 机构类别, as published with GB 32100. Unknown authorities are rejected; unknown
 * categories are accepted without a name, because categories have been added since (e.g. for
 * 基层群众性自治组织) and refusing a real registered organisation is worse than not naming its kind.
 */
export const USCC_AUTHORITIES: Readonly<Record<string, { name: string; categories: Readonly<Record<string, string>> }>> = {
  '1': { name: '机构编制', categories: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', categories: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    categories: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', categories: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', categories: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': {
    name: '旅游',
    categories: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' },
  },
  '7': { name: '宗教', categories: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', categories: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商（市场监管）', categories: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', categories: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', categories: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', categories: { '1': '其他' } },
};

/** Area prefix used by registrations made at national level (国家 100000). */
const USCC_NATIONAL_PREFIX = '10';

/** Check character over the first 17 characters: 31 − (Σ value×weight mod 31), with 31 read as 0. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function parseUscc(input: string): UsccResult {
  const value = toHalfWidth(input).toUpperCase();
  const fail = (code: UsccErrorCode, message: string): UsccResult => ({ ok: false, code, message });

  if (value.length !== 18) {
    return fail('USCC_LENGTH', `统一社会信用代码应为 18 位，当前 ${value.length} 位 (must be 18 characters, got ${value.length})`);
  }
  const bad = [...value].find((c) => !USCC_ALPHABET.includes(c));
  if (bad !== undefined) {
    return fail('USCC_CHARS', `统一社会信用代码含非法字符 “${bad}”，只能使用数字和除 I O S V Z 外的大写字母 (invalid character)`);
  }
  const authority = value[0]!;
  const entry = USCC_AUTHORITIES[authority];
  if (!entry) {
    return fail('USCC_CHARS', `统一社会信用代码登记管理部门代码 “${authority}” 无效 (unknown registration authority)`);
  }
  const category = value[1]!;
  if (!/^\d$/.test(category)) {
    return fail('USCC_CHARS', `统一社会信用代码机构类别代码 “${category}” 无效 (organisation category must be a digit)`);
  }
  const areaCode = value.slice(2, 8);
  const prefix = areaCode.slice(0, 2);
  if (!/^\d{6}$/.test(areaCode) || !(prefix === USCC_NATIONAL_PREFIX || PROVINCE_CODES.has(prefix))) {
    return fail('USCC_AREA', `统一社会信用代码行政区划码 ${areaCode} 无效 (invalid administrative area code)`);
  }
  if (usccCheckChar(value) !== value[17]) {
    return fail('USCC_CHECKSUM', '统一社会信用代码校验位不正确 (check character mismatch)');
  }
  const categoryName = entry.categories[category];
  return {
    ok: true,
    value,
    authority,
    authorityName: entry.name,
    category,
    ...(categoryName === undefined ? {} : { categoryName }),
    areaCode,
    orgCode: value.slice(8, 17),
  };
}
