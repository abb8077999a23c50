// A tiny i18n: one reactive locale, flat message keys, `{name}` placeholders. Templates that call
// t() re-render when the locale changes because t() reads the ref.
import { ref, watchEffect } from 'vue';
import en from './locales/en.ts';
import zhCN, { type MessageKey, type Messages } from './locales/zh-CN.ts';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };

export const LOCALES: { id: Locale; label: string }[] = [
  { id: 'zh-CN', label: '中文' },
  { id: 'en', label: 'English' },
];

const messages: Record<Locale, Messages> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'yiwang.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    // Storage can be blocked (private mode, policy); fall back to the default.
  }
  return 'zh-CN';
}

export const locale = ref<Locale>(initialLocale());

export function setLocale(next: Locale): void {
  locale.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not remembered, but still switched for this page.
  }
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = messages[locale.value][key] ?? zhCN[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Screen readers pick voice and pronunciation from <html lang>. */
watchEffect(() => {
  document.documentElement.lang = locale.value;
});
