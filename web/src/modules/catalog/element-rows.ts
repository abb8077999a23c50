// A version's elements as labelled rows, section by section: what the read-only view lists and
// what the diff compares. Entries with a stable key (materials, steps, form fields) are matched
// by key, so inserting a material does not show every later one as changed.
import { t, type MessageKey } from '../../i18n.ts';
import { roleLabel } from '../../labels.ts';
import type { FileRef, ItemElements, TimeLimit } from './catalog-api.ts';
import type { CodeList } from './editor-api.ts';

export const SECTIONS = ['basics', 'basis', 'limits', 'materials', 'fees', 'steps', 'results', 'channels', 'formFields', 'faqs', 'office'] as const;
export type SectionId = (typeof SECTIONS)[number];
export const sectionTitle = (s: SectionId) => t(`catalogEditor.section.${s}` as MessageKey);

export interface Row {
  section: SectionId;
  /** What the row is matched on between two versions. */
  id: string;
  label: string;
  text: string;
}

/** Code list id → code → name, from /api/public/catalog/codes. */
export type CodeNames = Record<string, Record<string, string>>;

export const codeNamesOf = (lists: CodeList[]): CodeNames =>
  Object.fromEntries(lists.map((l) => [l.id, Object.fromEntries(l.codes.map((c) => [c.code, c.name]))]));

/** The code list each coded element is written in. */
export const LIST_OF = {
  typeCode: 'A.1',
  levelCode: 'A.2',
  natureCode: 'A.3',
  objectCodes: 'A.4',
  formCodes: 'A.5',
  caseTypeCode: 'A.6',
  specialProcedure: 'A.7',
  onlineDepthCode: 'online-depth',
  crossRegionScopeCode: 'cross-region',
  resultKind: 'result-kind',
} as const;

const f = (key: string) => t(`catalogEditor.f.${key}` as MessageKey);
const yesNo = (b: boolean | undefined) => t(b ? 'catalogEditor.yes' : 'catalogEditor.no');
const text = (s: string | undefined | null) => (s === undefined || s === null ? '' : String(s));

export function limitLabel(l: TimeLimit | null | undefined): string {
  if (!l) return t('catalogEditor.noLimit');
  const unit = t(l.unit === 'natural_days' ? 'catalogEditor.unit.natural_days' : 'catalogEditor.unit.working_days');
  const value = Number.isFinite(l.value) ? String(l.value) : '?';
  const text = `${value} ${unit}`;
  return l.note ? t('catalogEditor.withNote', { text, note: l.note }) : text;
}

const fileLabel = (r: FileRef | undefined) => (r ? t('catalogEditor.withNote', { text: r.title, note: r.href }) : '');

/** “材料 2「居民身份证」”: an entry's number and, when it has one, its name. */
export const entryLabel = (what: string, i: number, name?: string) =>
  t(name ? 'catalogEditor.entryNamed' : 'catalogEditor.entryNumbered', { what, n: i + 1, name: name ?? '' });

export function rowsOf(e: ItemElements, names: CodeNames): Row[] {
  const rows: Row[] = [];
  const code = (list: string, c: string | undefined) => (c === undefined ? '' : `${c} ${names[list]?.[c] ?? ''}`.trim());
  const codes = (list: string, cs: string[]) => cs.map((c) => code(list, c)).join('、');
  const push = (section: SectionId, id: string, label: string, value: string) => rows.push({ section, id, label, text: value });
  const entry = (what: string, i: number, name?: string) => entryLabel(t(`catalogEditor.what.${what}` as MessageKey), i, name);

  push('basics', 'name', f('name'), e.name);
  push('basics', 'shortName', f('shortName'), text(e.shortName));
  push('basics', 'keywords', f('keywords'), e.keywords.join('、'));
  push('basics', 'summary', f('summary'), text(e.summary));
  push('basics', 'typeCode', f('typeCode'), code(LIST_OF.typeCode, e.typeCode));
  push('basics', 'levelCode', f('levelCode'), code(LIST_OF.levelCode, e.levelCode));
  push('basics', 'body.name', f('bodyName'), e.implementingBody.name);
  push('basics', 'body.uscc', f('bodyUscc'), e.implementingBody.uscc);
  push('basics', 'body.nature', f('bodyNature'), code(LIST_OF.natureCode, e.implementingBody.natureCode));
  push('basics', 'objectCodes', f('objectCodes'), codes(LIST_OF.objectCodes, e.objectCodes));
  push('basics', 'formCodes', f('formCodes'), codes(LIST_OF.formCodes, e.formCodes));
  push('basics', 'caseTypeCode', f('caseTypeCode'), code(LIST_OF.caseTypeCode, e.caseTypeCode));
  push('basics', 'crossRegion', f('crossRegion'), code(LIST_OF.crossRegionScopeCode, e.crossRegionScopeCode));

  e.legalBasis.forEach((b, i) => {
    const label = entry('basis', i, b.title);
    push('basis', `basis.${i}`, label, [b.title, b.article, b.excerpt].filter(Boolean).join(' · '));
  });
  e.acceptanceConditions.forEach((c, i) => push('basis', `condition.${i}`, entry('condition', i), c));

  push('limits', 'legalLimit', f('legalLimit'), limitLabel(e.legalLimit));
  push('limits', 'promisedLimit', f('promisedLimit'), limitLabel(e.promisedLimit));
  e.specialProcedures.forEach((s, i) => {
    const label = entry('special', i, s.name);
    push('limits', `special.${i}`, label, [code(LIST_OF.specialProcedure, s.code), s.limit ? limitLabel(s.limit) : '', text(s.note)].filter(Boolean).join(' · '));
  });

  for (const m of e.materials) {
    const i = e.materials.indexOf(m);
    const label = entry('material', i, m.name);
    const id = `material.${m.key}`;
    const source = m.source;
    const sourceText = [t(`catalogEditor.source.${source.kind}` as MessageKey), source.licenceTypeCode ?? source.resourceCode ?? source.itemCode ?? ''].filter(Boolean).join(' ');
    push('materials', `${id}.name`, `${label} · ${f('materialName')}`, m.name);
    push('materials', `${id}.need`, `${label} · ${f('isRequired')}`, m.isRequired ? f('required') : `${f('conditional')}：${text(m.condition)}`);
    push('materials', `${id}.forms`, `${label} · ${f('materialForms')}`, m.forms.map((x) => t(`catalogEditor.form.${x}` as MessageKey)).join('、'));
    push('materials', `${id}.source`, `${label} · ${f('source')}`, sourceText);
    push('materials', `${id}.copies`, `${label} · ${f('copies')}`, t('catalogEditor.copiesText', { original: m.copies.original, copy: m.copies.copy }));
    push('materials', `${id}.standard`, `${label} · ${f('acceptanceStandard')}`, m.acceptanceStandard);
    push('materials', `${id}.blankForm`, `${label} · ${f('blankForm')}`, fileLabel(m.blankForm));
    push('materials', `${id}.sample`, `${label} · ${f('sample')}`, fileLabel(m.sample));
    push('materials', `${id}.deferrable`, `${label} · ${f('isDeferrable')}`, yesNo(m.isDeferrable));
    push('materials', `${id}.note`, `${label} · ${f('note')}`, text(m.note));
  }

  e.fees.forEach((x, i) => {
    const label = entry('fee', i, x.name);
    push('fees', `fee.${i}`, label, [x.name, x.standard, x.basis, x.waiver].filter(Boolean).join(' · '));
  });

  for (const s of e.steps) {
    const i = e.steps.indexOf(s);
    const label = entry('step', i, s.name);
    const id = `step.${s.key}`;
    push('steps', `${id}.order`, `${label} · ${f('order')}`, String(i + 1));
    push('steps', `${id}.name`, `${label} · ${f('stepName')}`, s.name);
    push('steps', `${id}.role`, `${label} · ${f('stepRole')}`, [roleLabel(s.role), s.unitCode ?? ''].filter(Boolean).join(' · '));
    push('steps', `${id}.budget`, `${label} · ${f('stepBudget')}`, limitLabel(s.budget));
    push('steps', `${id}.description`, `${label} · ${f('stepDescription')}`, text(s.description));
  }

  e.results.forEach((r, i) => {
    const label = entry('result', i, r.name);
    push('results', `result.${i}`, label, [r.name, code(LIST_OF.resultKind, r.kindCode), r.licenceTypeCode ?? '', fileLabel(r.sample)].filter(Boolean).join(' · '));
  });

  push('channels', 'visits', f('visits'), Number.isFinite(e.visits) ? String(e.visits) : '');
  push('channels', 'onlineDepth', f('onlineDepth'), code(LIST_OF.onlineDepthCode, e.onlineDepthCode));
  push('channels', 'onlineUrl', f('onlineUrl'), text(e.onlineUrl));
  push('channels', 'appointment', f('appointment'), yesNo(e.isAppointmentSupported));
  push('channels', 'mail', f('mail'), yesNo(e.isMailSupported));
  push('channels', 'selfService', f('selfService'), yesNo(e.isSelfServiceSupported));
  e.intermediaryServices.forEach((s, i) => {
    push('channels', `intermediary.${i}`, entry('intermediary', i, s.name), [s.name, s.isRequired ? f('intermediaryRequired') : '', text(s.basis)].filter(Boolean).join(' · '));
  });

  for (const x of e.formFields) {
    const i = e.formFields.indexOf(x);
    const type = t(`catalogEditor.fieldType.${x.type}` as MessageKey);
    const value = [x.label, type, x.isRequired ? f('fieldRequired') : '', (x.options ?? []).join('/')].filter(Boolean).join(' · ');
    push('formFields', `field.${x.key}`, entry('formField', i, x.label), value);
  }

  e.faqs.forEach((q, i) => push('faqs', `faq.${i}`, entry('faq', i), `${q.question} — ${q.answer}`));

  push('office', 'address', f('address'), e.office.address);
  push('office', 'hours', f('hours'), e.office.hours);
  push('office', 'phone', f('phone'), e.office.phone);
  push('office', 'complaintPhone', f('complaintPhone'), e.office.complaintPhone);
  push('office', 'windows', f('windows'), text(e.office.windows));
  return rows;
}

export type Change = 'same' | 'changed' | 'added' | 'removed';
export interface DiffRow {
  section: SectionId;
  id: string;
  label: string;
  before: string;
  after: string;
  change: Change;
}

/** Row by row, in the order of the newer version; rows only the older one has follow their section. */
export function diffRows(before: Row[], after: Row[]): DiffRow[] {
  const old = new Map(before.map((r) => [r.id, r]));
  const seen = new Set<string>();
  const out: DiffRow[] = [];
  for (const r of after) {
    const b = old.get(r.id);
    seen.add(r.id);
    const change: Change = !b ? (r.text ? 'added' : 'same') : b.text === r.text ? 'same' : !r.text ? 'removed' : !b.text ? 'added' : 'changed';
    out.push({ section: r.section, id: r.id, label: r.label, before: b?.text ?? '', after: r.text, change });
  }
  for (const b of before) {
    if (seen.has(b.id) || !b.text) continue;
    const row: DiffRow = { section: b.section, id: b.id, label: b.label, before: b.text, after: '', change: 'removed' };
    // After the last row of its section (every section has rows, so there is one).
    let at = out.length;
    for (let i = out.length - 1; i >= 0; i--) {
      if (out[i]!.section === b.section) {
        at = i + 1;
        break;
      }
    }
    out.splice(at, 0, row);
  }
  return out;
}
