// The public catalogue API as the guide pages read it (shapes of src/modules/catalog/catalog.schemas.ts).
import { request } from '../../api.ts';
import { t } from '../../i18n.ts';

export interface TimeLimit {
  value: number;
  unit: 'working_days' | 'natural_days';
  note?: string;
}

export interface SearchHit {
  type: 'item' | 'bundle';
  code: string;
  name: string;
  unitName: string;
  visits: number;
  onlineDepthCode: string;
  onlineDepth: string;
  promisedLimit: TimeLimit | null;
  score: number;
}

export interface MaterialSource {
  kind: 'applicant' | 'licence' | 'shared_data' | 'item_result';
  licenceTypeCode?: string;
  resourceCode?: string;
  itemCode?: string;
}

export interface FileRef {
  title: string;
  href: string;
}

export interface Material {
  key: string;
  name: string;
  forms: ('original' | 'copy' | 'electronic')[];
  isRequired: boolean;
  condition?: string;
  source: MaterialSource;
  blankForm?: FileRef;
  sample?: FileRef;
  acceptanceStandard: string;
  copies: { original: number; copy: number };
  isDeferrable?: boolean;
  note?: string;
}

export interface Office {
  address: string;
  hours: string;
  phone: string;
  complaintPhone: string;
  windows?: string;
}

export interface FormField {
  key: string;
  label: string;
  type: string;
  isRequired: boolean;
  options?: string[];
}

export interface Faq {
  question: string;
  answer: string;
}

export interface ItemElements {
  name: string;
  shortName?: string;
  keywords: string[];
  summary?: string;
  typeCode: string;
  legalBasis: { title: string; article?: string; excerpt?: string }[];
  levelCode: string;
  implementingBody: { name: string; uscc: string; natureCode: string };
  objectCodes: string[];
  formCodes: string[];
  caseTypeCode: string;
  legalLimit: TimeLimit | null;
  promisedLimit: TimeLimit;
  acceptanceConditions: string[];
  steps: { key: string; name: string; role: string; unitCode?: string; budget: TimeLimit; description?: string }[];
  materials: Material[];
  fees: { name: string; standard: string; basis: string; waiver?: string }[];
  results: { name: string; kindCode: string; licenceTypeCode?: string; sample?: FileRef }[];
  visits: number;
  onlineDepthCode: string;
  onlineUrl?: string;
  isAppointmentSupported: boolean;
  isMailSupported: boolean;
  isSelfServiceSupported: boolean;
  crossRegionScopeCode: string;
  intermediaryServices: { name: string; isRequired: boolean; basis?: string }[];
  specialProcedures: { code: string; name: string; limit?: TimeLimit; note?: string }[];
  formFields: FormField[];
  faqs: Faq[];
  office: Office;
}

export interface Named {
  code: string;
  name: string;
}

export interface Guide {
  code: string;
  kind: 'implementation' | 'handling';
  basicCode: string;
  implementationCode: string;
  handlingCode: string | null;
  parent: Named | null;
  handlingItems: Named[];
  bundles: Named[];
  unitCode: string;
  versionId: string;
  version: number;
  effectiveFrom: string;
  effectiveUntil: string | null;
  acceptsApplications: boolean;
  names: {
    type: string;
    level: string;
    bodyNature: string;
    objects: string[];
    forms: string[];
    caseType: string;
    onlineDepth: string;
    crossRegionScope: string;
    results: string[];
    specialProcedures: string[];
  };
  elements: ItemElements;
}

export interface MergedMaterial {
  key: string;
  name: string;
  forms: Material['forms'];
  isRequired: boolean;
  conditions: string[];
  source: MaterialSource;
  copies: { original: number; copy: number };
  acceptanceStandard: string;
  itemCodes: string[];
}

export interface BundleGuide {
  code: string;
  version: number;
  effectiveFrom: string;
  definition: { name: string; summary: string; keywords: string[]; visits: number; onlineDepthCode: string; faqs: Faq[]; office: Office; promisedLimit?: TimeLimit };
  items: { code: string; name: string; unitName: string; isOptional: boolean; condition: string | null; dependsOn: string[]; promisedLimit: TimeLimit; visits: number }[];
  materials: MergedMaterial[];
  formFields: FormField[];
  limit: { promised: TimeLimit; criticalPathWorkingDays: number; longestNaturalDays: number | null };
  materialsBeforeMerge: number;
}

export const catalogApi = {
  search: (q: string, limit = 50) => request<{ query: string; total: number; items: SearchHit[] }>('GET', `/api/public/items?${new URLSearchParams({ ...(q ? { q } : {}), limit: String(limit) })}`),
  guide: (code: string) => request<Guide>('GET', `/api/public/items/${encodeURIComponent(code)}`),
  bundle: (code: string) => request<BundleGuide>('GET', `/api/public/bundles/${encodeURIComponent(code)}`),
};

// ---------------------------------------------------------------- wording shared by the pages

/** “5 个工作日”, “15 日”, or “即办” for 0. */
export function limitText(l: TimeLimit | null | undefined): string {
  if (!l) return t('services.limitNone');
  if (l.value === 0) return t('services.onTheSpot');
  return t(l.unit === 'working_days' ? 'services.workingDays' : 'services.naturalDays', { n: l.value });
}

export function visitsText(n: number): string {
  if (n === 0) return t('services.visitsZero');
  if (n === 1) return t('services.visitsOne');
  return t('services.visitsMany', { n });
}

export function sourceText(s: MaterialSource): string {
  switch (s.kind) {
    case 'licence':
      return t('services.sourceLicence');
    case 'shared_data':
      return t('services.sourceShared');
    case 'item_result':
      return t('services.sourceItem', { code: s.itemCode ?? '' });
    default:
      return t('services.sourceApplicant');
  }
}

export function formsText(forms: Material['forms']): string {
  const name = { original: t('services.formOriginal'), copy: t('services.formCopy'), electronic: t('services.formElectronic') };
  return forms.map((f) => name[f]).join(t('services.listSeparator'));
}

export function copiesText(c: { original: number; copy: number }): string {
  const parts = [];
  if (c.original) parts.push(t('services.copiesOriginal', { n: c.original }));
  if (c.copy) parts.push(t('services.copiesCopy', { n: c.copy }));
  return parts.length ? parts.join(t('services.listSeparator')) : t('services.copiesNone');
}

/** The address of a guide page, for the printed QR code. */
export const guideUrl = (path: string) => new URL(path, window.location.origin).toString();
