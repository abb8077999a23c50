import { parseResidentId, parseUscc } from '../../platform/crypto/identity-numbers.ts';
import { isPhoneNumber } from '../../platform/crypto/pii.ts';
import type { StaffRole } from '../../platform/auth/roles.ts';
import type { BundleGuide, FormField, ItemVersion, TimeLimit } from '../catalog/index.ts';

// What a case follows, read from the catalogue version it pinned: the materials it needs, its form,
// its process steps and limits. Pure functions over catalogue shapes.

export interface PlannedMaterial {
  key: string;
  name: string;
  isRequired: boolean;
  condition: string | null;
  /** 可容缺: may be missing at acceptance against a commitment. */
  isDeferrable: boolean;
  /** applicant · licence · shared_data · item_result */
  sourceKind: 'applicant' | 'licence' | 'shared_data' | 'item_result';
  /** The licence type, data resource or item code that supplies it. */
  reference: string | null;
}

export interface PlannedStep {
  key: string;
  name: string;
  role: StaffRole;
  unitCode: string | null;
}

export interface Plan {
  kind: 'item' | 'bundle';
  title: string;
  materials: PlannedMaterial[];
  formFields: FormField[];
  /** The steps after acceptance; a one-step item (即办件) is decided at its only step. */
  reviewSteps: PlannedStep[];
  legalLimit: TimeLimit | null;
  promisedLimit: TimeLimit | null;
  /** Cap of the one extension, in working days (A.7 code 1 of the item, else Art. 42's ten). */
  extensionCap: number;
  isMailSupported: boolean;
  hasLicenceResult: boolean;
  item: ItemVersion | null;
  bundle: BundleGuide | null;
}

const referenceOf = (s: { kind: string; licenceTypeCode?: string; resourceCode?: string; itemCode?: string }) =>
  s.licenceTypeCode ?? s.resourceCode ?? s.itemCode ?? null;

export function planOfItem(v: ItemVersion, defaultExtensionCap: number): Plan {
  const e = v.elements;
  const steps = e.steps.map((s) => ({ key: s.key, name: s.name, role: s.role as StaffRole, unitCode: s.unitCode ?? null }));
  const extension = e.specialProcedures.find((s) => s.code === '1')?.limit;
  return {
    kind: 'item',
    title: e.name,
    materials: e.materials.map((m) => ({
      key: m.key,
      name: m.name,
      isRequired: m.isRequired,
      condition: m.condition ?? null,
      isDeferrable: m.isDeferrable === true,
      sourceKind: m.source.kind,
      reference: referenceOf(m.source),
    })),
    formFields: e.formFields,
    reviewSteps: steps.length > 1 ? steps.slice(1) : steps,
    legalLimit: e.legalLimit,
    promisedLimit: e.promisedLimit,
    extensionCap: extension?.unit === 'working_days' ? extension.value : defaultExtensionCap,
    isMailSupported: e.isMailSupported,
    hasLicenceResult: e.results.some((r) => r.licenceTypeCode),
    item: v,
    bundle: null,
  };
}

export function planOfBundle(g: BundleGuide): Plan {
  return {
    kind: 'bundle',
    title: g.definition.name,
    materials: g.materials.map((m) => ({
      key: m.key,
      name: m.name,
      isRequired: m.isRequired,
      condition: m.conditions.join('；') || null,
      isDeferrable: false,
      sourceKind: m.source.kind,
      reference: referenceOf(m.source),
    })),
    formFields: g.formFields,
    reviewSteps: [],
    legalLimit: null,
    promisedLimit: g.limit.promised,
    extensionCap: 0,
    isMailSupported: true,
    hasLicenceResult: true,
    item: null,
    bundle: g,
  };
}

/** Materials the government supplies itself: satisfied without the applicant bringing anything. */
export const isSuppliedByGovernment = (m: PlannedMaterial) => m.sourceKind !== 'applicant';

export interface FormProblem {
  path: string;
  message: string;
}

/**
 * Checks form values against the fields: types always; required fields only when `isFinal` (a
 * draft may be incomplete). Unknown keys are refused so a typo is not silently dropped.
 */
export function checkForm(fields: FormField[], form: Record<string, string | number>, isFinal: boolean): FormProblem[] {
  const problems: FormProblem[] = [];
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(form)) if (!byKey.has(key)) problems.push({ path: `/form/${key}`, message: '表单中没有这一项 (unknown field)' });
  for (const f of fields) {
    const raw = form[f.key];
    const path = `/form/${f.key}`;
    const isEmpty = raw === undefined || (typeof raw === 'string' && raw.trim() === '');
    if (isEmpty) {
      if (isFinal && f.isRequired) problems.push({ path, message: `请填写「${f.label}」(required)` });
      continue;
    }
    const text = String(raw).trim();
    switch (f.type) {
      case 'number':
        if (!Number.isFinite(Number(text))) problems.push({ path, message: `「${f.label}」应为数字 (not a number)` });
        break;
      case 'date':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) problems.push({ path, message: `「${f.label}」应为日期 YYYY-MM-DD` });
        break;
      case 'select':
        if (f.options && !f.options.includes(text)) problems.push({ path, message: `「${f.label}」只能是：${f.options.join('、')}` });
        break;
      case 'id_number': {
        const r = parseResidentId(text);
        if (!r.ok) problems.push({ path, message: `「${f.label}」不是有效的居民身份证号码 (${r.code})` });
        break;
      }
      case 'phone':
        if (!isPhoneNumber(text)) problems.push({ path, message: `「${f.label}」不是有效的电话号码` });
        break;
      case 'uscc': {
        const r = parseUscc(text);
        if (!r.ok) problems.push({ path, message: `「${f.label}」不是有效的统一社会信用代码 (${r.code})` });
        break;
      }
      default:
        if (text.length > 2000) problems.push({ path, message: `「${f.label}」过长` });
    }
  }
  return problems;
}

/** Form keys whose values are personal data, masked wherever staff read the form. */
export const SENSITIVE_FIELD_TYPES = new Set(['id_number', 'phone']);
