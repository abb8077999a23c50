// Display names for server codes. Unknown codes fall back to the raw code rather than a blank.
import { t, type MessageKey } from './i18n.ts';
import zhCN from './locales/zh-CN.ts';

function label(key: string, fallback: string): string {
  return key in zhCN ? t(key as MessageKey) : fallback;
}

export const roleLabel = (role: string) => label(`role.${role}`, role);
export const kindLabel = (kind: string) => label(`kind.${kind}`, kind);
export const orgKindLabel = (kind: string) => label(`orgKind.${kind}`, kind);
