import type { CatalogFile, ItemElements } from '../catalog/index.ts';

// Export in the national exchange field set (GB/T 39046 and the 全国一体化在线政务服务平台 exchange
// tables): the 实施清单 basic table with its materials, and for cases the accept (受理), process
// (过程), special procedure (特别程序), result (结果) and material tables, keyed by PROJECT_NO. Field
// names are the tables' upper-case column names; codes are the A.x code lists. Applicant names and
// ID numbers leave masked: the full values are personal data and go out only through the
// audited reveal route. Sub-tables are nested under their parent row rather than flattened.

const join = (xs: string[]) => xs.join(',');
/** 时限单位: 1 工作日, 2 自然日. */
const limitType = (unit: string) => (unit === 'working_days' ? '1' : '2');
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface ExchangeItem {
  ROW_GUID: string;
  TASK_NAME: string;
  TASK_CODE: string;
  TASK_HANDLE_ITEM: string | null;
  CATALOG_CODE: string;
  TASK_TYPE: string;
  TASK_VERSION: number;
  TASK_STATE: '1' | '2';
  USE_LEVEL: string;
  DEPT_NAME: string;
  DEPT_CODE: string;
  DEPT_TYPE: string;
  BY_LAW: string;
  SERVER_TYPE: string;
  HANDLE_TYPE: string;
  PROJECT_TYPE: string;
  ANTICIPATE_DAY: number | null;
  ANTICIPATE_TYPE: string | null;
  ANTICIPATE_EXPLAIN: string | null;
  PROMISE_DAY: number;
  PROMISE_TYPE: string;
  PROMISE_EXPLAIN: string | null;
  ACCEPT_CONDITION: string;
  LIMIT_SCENE_NUM: number;
  IS_FEE: '0' | '1';
  FEE_BASIS: string | null;
  HANDLE_FLOW: string;
  SPECIAL_PROCEDURE: string;
  TRANSACT_ADDR: string;
  TRANSACT_TIME: string;
  LINK_WAY: string;
  SUPERVISE_WAY: string;
  LINK_ADDR: string | null;
  PLAN_EFFECTIVE_DATE: string | null;
  PLAN_CANCEL_DATE: string | null;
  MATERIALS: {
    MATERIAL_NAME: string;
    MATERIAL_FORMAT: string;
    MATERIAL_NECESSITY: '1' | '2';
    MATERIAL_NECESSITY_EXPLAIN: string | null;
    MATERIAL_SOURCE_TYPE: string;
    PAGE_NUM: number;
    ACCEPT_STAND: string;
  }[];
}

/** 材料来源: 1 申请人自备, 2 电子证照, 3 共享数据, 4 其他事项办理结果. */
const SOURCE_CODES: Record<string, string> = { applicant: '1', licence: '2', shared_data: '3', item_result: '4' };
/** 材料形式: 1 原件, 2 复印件, 3 电子件. */
const FORM_CODES: Record<string, string> = { original: '1', copy: '2', electronic: '3' };

export function itemToExchange(
  item: { kind: string; basicCode: string; implementationCode: string; handlingCode?: string; cancellation?: { date: string } },
  v: { version: number; effectiveFrom?: string; effectiveUntil?: string; elements: ItemElements },
  today: string,
): ExchangeItem {
  const e = v.elements;
  const isInForce = !!v.effectiveFrom && v.effectiveFrom <= today && (!v.effectiveUntil || today < v.effectiveUntil);
  return {
    ROW_GUID: `${item.handlingCode ?? item.implementationCode}-${v.version}`,
    TASK_NAME: e.name,
    TASK_CODE: item.implementationCode,
    TASK_HANDLE_ITEM: item.handlingCode ?? null,
    CATALOG_CODE: item.basicCode,
    TASK_TYPE: e.typeCode,
    TASK_VERSION: v.version,
    TASK_STATE: isInForce ? '1' : '2',
    USE_LEVEL: e.levelCode,
    DEPT_NAME: e.implementingBody.name,
    DEPT_CODE: e.implementingBody.uscc,
    DEPT_TYPE: e.implementingBody.natureCode,
    BY_LAW: e.legalBasis.map((b) => `${b.title}${b.article ? b.article : ''}`).join('；'),
    SERVER_TYPE: join(e.objectCodes),
    HANDLE_TYPE: join(e.formCodes),
    PROJECT_TYPE: e.caseTypeCode,
    ANTICIPATE_DAY: e.legalLimit?.value ?? null,
    ANTICIPATE_TYPE: e.legalLimit ? limitType(e.legalLimit.unit) : null,
    ANTICIPATE_EXPLAIN: e.legalLimit?.note ?? null,
    PROMISE_DAY: e.promisedLimit.value,
    PROMISE_TYPE: limitType(e.promisedLimit.unit),
    PROMISE_EXPLAIN: e.promisedLimit.note ?? null,
    ACCEPT_CONDITION: e.acceptanceConditions.join('；'),
    LIMIT_SCENE_NUM: e.visits,
    IS_FEE: e.fees.length > 0 ? '1' : '0',
    FEE_BASIS: e.fees.length ? e.fees.map((f) => `${f.name}：${f.standard}（${f.basis}）`).join('；') : null,
    HANDLE_FLOW: e.steps.map((s) => s.name).join(' → '),
    SPECIAL_PROCEDURE: e.specialProcedures.map((s) => `${s.code}:${s.name}`).join('；'),
    TRANSACT_ADDR: e.office.address,
    TRANSACT_TIME: e.office.hours,
    LINK_WAY: e.office.phone,
    SUPERVISE_WAY: e.office.complaintPhone,
    LINK_ADDR: e.onlineUrl ?? null,
    PLAN_EFFECTIVE_DATE: v.effectiveFrom ?? null,
    PLAN_CANCEL_DATE: item.cancellation?.date ?? v.effectiveUntil ?? null,
    MATERIALS: e.materials.map((m) => ({
      MATERIAL_NAME: m.name,
      MATERIAL_FORMAT: join(m.forms.map((f) => FORM_CODES[f]!)),
      MATERIAL_NECESSITY: m.isRequired ? '1' : '2',
      MATERIAL_NECESSITY_EXPLAIN: m.condition ?? null,
      MATERIAL_SOURCE_TYPE: SOURCE_CODES[m.source.kind]!,
      PAGE_NUM: m.copies.original + m.copies.copy,
      ACCEPT_STAND: m.acceptanceStandard,
    })),
  };
}

/** Every published version of every item of a catalogue file, current ones first. */
export function catalogueToExchange(file: CatalogFile, today: string): ExchangeItem[] {
  const out: ExchangeItem[] = [];
  for (const item of file.items) {
    for (const v of item.versions) {
      if (v.status !== 'published' && v.status !== 'withdrawn') continue;
      out.push(itemToExchange(item, v, today));
    }
  }
  return out.sort((a, b) => a.TASK_STATE.localeCompare(b.TASK_STATE) || a.ROW_GUID.localeCompare(b.ROW_GUID));
}

export interface ExchangeCaseInput {
  number: string;
  parentNumber: string | null;
  title: string;
  itemCode: string;
  item: { implementationCode: string; handlingCode: string | null; basicCode: string; version: number; elements: ItemElements } | null;
  channel: 'online' | 'window' | 'mail';
  applicantType: 'person' | 'organisation';
  applicantNameMasked: string;
  applicantIdType: string | null;
  applicantIdMasked: string | null;
  receivingUnit: { code: string; name: string };
  submittedAt: Date | null;
  acceptedAt: Date | null;
  promisedDueOn: string | null;
  legalDueOn: string | null;
  state: string;
  decision: string | null;
  decidedAt: Date | null;
  completedAt: Date | null;
  result: Record<string, unknown> | null;
  deliveryMethod: string | null;
  events: { action: string; label: string; stepName: string | null; at: Date; actor: string | null; note: string | null }[];
  stops: { code: string; name: string; reason: string; startedAt: Date; endedAt: Date | null; outcome: string | null }[];
  materials: { name: string; source: string; fileName: string | null; sha256: string | null }[];
}

/** 申请方式 from A.5: 1 窗口, 2 网上, 4 快递. */
const APPLY_TYPE = { window: '1', online: '2', mail: '4' } as const;
/** 办结结果: 1 准予, 2 不予, 3 部分准予, 4 不予受理, 5 撤回, 6 终止. */
function resultType(state: string, decision: string | null): string | null {
  if (state === 'not_accepted') return '4';
  if (state === 'withdrawn') return '5';
  if (state === 'terminated') return '6';
  if (decision === 'granted') return '1';
  if (decision === 'refused') return '2';
  if (decision === 'partial') return '3';
  return null;
}
const MATERIAL_GET_TYPE: Record<string, string> = { upload: '1', reuse: '1', paper: '2', licence: '3', shared_data: '4', item_result: '5' };

export function caseToExchange(c: ExchangeCaseInput) {
  const e = c.item?.elements;
  const rt = resultType(c.state, c.decision);
  return {
    PRO_ACCEPT: {
      PROJECT_NO: c.number,
      PARENT_PROJECT_NO: c.parentNumber,
      PROJECT_NAME: c.title,
      TASK_CODE: c.item?.implementationCode ?? c.itemCode,
      TASK_HANDLE_ITEM: c.item?.handlingCode ?? null,
      CATALOG_CODE: c.item?.basicCode ?? null,
      TASK_NAME: e?.name ?? c.title,
      TASK_VERSION: c.item?.version ?? null,
      PROJECT_TYPE: e?.caseTypeCode ?? null,
      APPLY_TYPE: APPLY_TYPE[c.channel],
      APPLYER_TYPE: c.applicantType === 'person' ? '1' : '2',
      APPLYER_NAME: c.applicantNameMasked,
      /** 证件类型: 111 居民身份证, 001 统一社会信用代码, 999 其他. */
      APPLYER_PAGE_TYPE: c.applicantIdType === 'id_card' ? '111' : c.applicantIdType === 'uscc' ? '001' : c.applicantIdType ? '999' : null,
      APPLYER_PAGE_CODE: c.applicantIdMasked,
      APPLY_DATE: iso(c.submittedAt),
      ACCEPT_DATE: iso(c.acceptedAt),
      ORG_CODE: c.receivingUnit.code,
      ORG_NAME: c.receivingUnit.name,
      PROMISE_DATE: c.promisedDueOn,
      LEGAL_DATE: c.legalDueOn,
    },
    PRO_PROCESS: c.events.map((ev) => ({
      PROJECT_NO: c.number,
      PROCESS_NAME: ev.stepName ?? ev.label,
      EVENT_NAME: ev.action,
      EVENT_START_TIME: iso(ev.at),
      EVENT_END_TIME: iso(ev.at),
      HANDLE_EXPLAIN: ev.note ?? ev.label,
      HANDLE_USER_NAME: ev.actor,
    })),
    PRO_SPECIAL_PROCEDURE: c.stops.map((s) => ({
      PROJECT_NO: c.number,
      SPECIAL_TYPE: s.code,
      SPECIAL_NAME: s.name,
      SPECIAL_REASON: s.reason,
      SPECIAL_TIME: iso(s.startedAt),
      END_TIME: iso(s.endedAt),
      RESULT: s.outcome,
    })),
    PRO_RESULT: rt
      ? {
          PROJECT_NO: c.number,
          RESULT_TYPE: rt,
          RESULT_DATE: iso(c.completedAt ?? c.decidedAt),
          RESULT_EXPLAIN: (c.result?.summary as string | undefined) ?? null,
          RESULT_CETR_NAME: (c.result?.licenceName as string | undefined) ?? null,
          RESULT_CETR_NO: (c.result?.licenceNumber as string | undefined) ?? null,
          IS_DELIVERY_RESULTS: c.deliveryMethod === 'post' ? '1' : '0',
        }
      : null,
    PRO_MATERIAL: c.materials.map((m) => ({
      PROJECT_NO: c.number,
      MATERIAL_NAME: m.name,
      GET_TYPE: MATERIAL_GET_TYPE[m.source] ?? '9',
      MATERIAL_ATTACH_NAME: m.fileName,
      FILE_HASH: m.sha256,
    })),
  };
}
export type ExchangeCase = ReturnType<typeof caseToExchange>;
