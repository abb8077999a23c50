// What the editor pages share: the code lists (loaded once), status names, times in China.
import { ApiError } from '../../api.ts';
import { t } from '../../i18n.ts';
import { editorApi, type CodeList, type VersionStatus } from './editor-api.ts';

let codes: Promise<CodeList[]> | undefined;
export function loadCodeLists(): Promise<CodeList[]> {
  codes ??= editorApi.codes().then(
    (r) => r.lists,
    (err: unknown) => {
      codes = undefined; // try again next time rather than caching the failure
      throw err;
    },
  );
  return codes;
}

export const statusLabel = (s: VersionStatus) => t(`catalogEditor.status.${s}`);

/** “2026-03-02 14:05”, in China's time, whatever the browser's zone. */
export function formatTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)}`;
}

export const errorText = (err: unknown) => (err instanceof ApiError ? err.message : String(err));
