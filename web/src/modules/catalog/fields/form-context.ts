// What the element form's fields share: ids derived from element paths, and the server's
// problems, each shown at the field its path names (or the nearest enclosing group).
import { inject, type InjectionKey } from 'vue';
import { t, type MessageKey } from '../../../i18n.ts';
import zhCN from '../../../locales/zh-CN.ts';
import type { FieldProblem } from '../editor-api.ts';

/** `/materials/0/name` → `ce-materials-0-name`: every field and group has the id of its path. */
export const fieldId = (path: string) => `ce${path.replace(/\//g, '-')}`;

export interface FormContext {
  /** The problems shown at this path (those whose nearest field or group it is). */
  problemsAt(path: string): FieldProblem[];
}

export const FORM_CONTEXT: InjectionKey<FormContext> = Symbol('catalog-element-form');

const NONE: FormContext = { problemsAt: () => [] };
export const useFormContext = () => inject(FORM_CONTEXT, NONE);

/** A schema failure said in the reader's language; the server's wording when we have no better one. */
function schemaText(p: FieldProblem): string {
  const limit = p.params?.limit;
  const m = p.message;
  if (p.params?.missingProperty !== undefined) return t('catalogEditor.err.required');
  if (/fewer than 1 characters/.test(m)) return t('catalogEditor.err.required');
  if (/fewer than \d+ characters/.test(m)) return t('catalogEditor.err.minLength', { n: String(limit) });
  if (/more than \d+ characters/.test(m)) return t('catalogEditor.err.maxLength', { n: String(limit) });
  if (/fewer than \d+ items/.test(m)) return t('catalogEditor.err.minItems', { n: String(limit) });
  if (/more than \d+ items/.test(m)) return t('catalogEditor.err.maxItems', { n: String(limit) });
  if (/duplicate items/.test(m)) return t('catalogEditor.err.unique');
  if (/must match pattern/.test(m)) return t('catalogEditor.err.pattern');
  if (/must be integer|must be number/.test(m)) return t('catalogEditor.err.integer');
  if (/must be >=/.test(m)) return t('catalogEditor.err.minimum', { n: String(limit) });
  if (/must be <=/.test(m)) return t('catalogEditor.err.maximum', { n: String(limit) });
  return m;
}

/** “材料规则不符：<the server's detail>” — the code's meaning first, then the specifics. */
export function problemText(p: FieldProblem): string {
  if (p.code === 'VALIDATION_FAILED') return schemaText(p);
  const key = `catalogEditor.code.${p.code}`;
  return key in zhCN ? `${t(key as MessageKey)}：${p.message}` : p.message;
}
