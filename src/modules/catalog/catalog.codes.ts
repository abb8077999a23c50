// The code lists a service item's elements are written in: GB/T 39046-2020 Appendix A (A.1–A.8)
// and the few lists the national guide template adds (online depth, 通办 scope). They are data:
// stored values are the codes, people see the Chinese names, and an import naming a code that is
// not in its list is refused (CATALOG_CODE_UNKNOWN).

export interface CodeList {
  id: string;
  name: string;
  /** In the standard's order (a plain object would put '10' and '20' before '01'). */
  entries: readonly (readonly [code: string, name: string])[];
  /** Lookup by code. */
  codes: Readonly<Record<string, string>>;
}

const list = (id: string, name: string, entries: [string, string][]): CodeList => ({
  id,
  name,
  entries: Object.freeze(entries.map((e) => Object.freeze(e))),
  codes: Object.freeze(Object.fromEntries(entries)),
});

/** A.1 事项类型. 01–10 are administrative powers (权力事项), 20 is public service. */
export const ITEM_TYPES = list('A.1', '事项类型', [
  ['01', '行政许可'],
  ['02', '行政处罚'],
  ['03', '行政强制'],
  ['04', '行政征收'],
  ['05', '行政给付'],
  ['06', '行政检查'],
  ['07', '行政确认'],
  ['08', '行政奖励'],
  ['09', '行政裁决'],
  ['10', '其他行政权力'],
  ['20', '公共服务'],
]);

/** A.2 行使层级. */
export const EXERCISE_LEVELS = list('A.2', '行使层级', [
  ['1', '国家级'],
  ['2', '省级'],
  ['3', '市级'],
  ['4', '县级'],
  ['5', '镇（乡、街道）级'],
  ['6', '村（社区）级'],
  ['7', '分级管理'],
]);

/** A.3 实施主体性质. */
export const BODY_NATURES = list('A.3', '实施主体性质', [
  ['1', '法定机关'],
  ['2', '授权组织'],
  ['3', '受委托组织'],
  ['9', '其他'],
]);

/** A.4 服务对象. */
export const SERVICE_OBJECTS = list('A.4', '服务对象', [
  ['1', '自然人'],
  ['2', '企业法人'],
  ['3', '事业法人'],
  ['4', '社会组织法人'],
  ['5', '行政机关'],
  ['6', '其他组织'],
]);

/** A.5 办理形式. */
export const HANDLING_FORMS = list('A.5', '办理形式', [
  ['1', '窗口办理'],
  ['2', '电脑端网上办理'],
  ['3', '移动端网上申请'],
  ['4', '快递申请'],
  ['9', '其他'],
]);

/** A.6 办件类型. 即办件 are decided on the spot (行政许可法 art. 34); 承诺件 within the promised limit. */
export const CASE_TYPES = list('A.6', '办件类型', [
  ['1', '即办件'],
  ['2', '承诺件'],
  ['9', '其他'],
]);

/**
 * A.7 特别程序种类. 1 extends the decision period once (art. 42); 2 covers the procedures whose time
 * is not counted (art. 45: 听证, 招标拍卖, 检验检测检疫, 鉴定, 专家评审, 实地核查 …) — each entry names
 * which one it is.
 */
export const SPECIAL_PROCEDURES = list('A.7', '特别程序种类', [
  ['1', '延长审批'],
  ['2', '其他特别程序'],
]);

/** A.8 满意度 (used by ratings; listed here so the whole appendix is in one place). */
export const SATISFACTION = list('A.8', '满意度', [
  ['1', '非常满意'],
  ['2', '满意'],
  ['3', '基本满意'],
  ['4', '不满意'],
  ['5', '非常不满意'],
]);

/** 网上办理深度, from the national guide template: how far an application can go online. */
export const ONLINE_DEPTHS = list('online-depth', '网上办理深度', [
  ['1', '一级：网上咨询、信息公开'],
  ['2', '二级：网上预审、在线下载表格'],
  ['3', '三级：网上受理、网上办理，窗口领取结果'],
  ['4', '四级：全程网办'],
]);

/** 通办范围: where else the item can be applied for (跨域通办). */
export const CROSS_REGION_SCOPES = list('cross-region', '通办范围', [
  ['0', '不通办'],
  ['1', '区内通办'],
  ['2', '市内通办'],
  ['3', '省内通办'],
  ['4', '全国通办'],
]);

/** 办件结果类型. */
export const RESULT_KINDS = list('result-kind', '办理结果类型', [
  ['1', '证照'],
  ['2', '批文'],
  ['3', '其他'],
]);

/** 权责清单 categories are the eleven A.1 types; these take applications (依申请). */
export const APPLICATION_BASED_TYPES: ReadonlySet<string> = new Set(['01', '05', '07', '08', '09', '10', '20']);

/** Only 依申请 kinds (许可, 给付, 确认, 奖励, 裁决, 其他, 公共服务) are applied for; the others are exercised by the body on its own initiative. */
export const acceptsApplications = (typeCode: string): boolean => APPLICATION_BASED_TYPES.has(typeCode);

export const CODE_LISTS: readonly CodeList[] = [
  ITEM_TYPES,
  EXERCISE_LEVELS,
  BODY_NATURES,
  SERVICE_OBJECTS,
  HANDLING_FORMS,
  CASE_TYPES,
  SPECIAL_PROCEDURES,
  SATISFACTION,
  ONLINE_DEPTHS,
  CROSS_REGION_SCOPES,
  RESULT_KINDS,
];

/** The Chinese name of a code, or the code itself when the list lacks it (never throws on read). */
export const codeName = (l: CodeList, code: string): string => l.codes[code] ?? code;
