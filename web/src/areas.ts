// The work areas and where people land. Kept apart from router.ts so pages can import it
// without a cycle through the page components.
import type { Me } from './api.ts';
import type { MessageKey } from './i18n.ts';

export interface Area {
  path: string;
  labelKey: MessageKey;
  permission?: string;
}

/** The navigation, in display order; an area shows only when its permission is held. */
export const AREAS: Area[] = [
  { path: '/portal', labelKey: 'nav.portal' },
  { path: '/workbench', labelKey: 'nav.workbench', permission: 'workbench:use' },
  { path: '/hotline', labelKey: 'nav.hotline', permission: 'hotline:use' },
  { path: '/hall', labelKey: 'nav.hall', permission: 'hall:use' },
  { path: '/dashboard', labelKey: 'nav.dashboard', permission: 'dashboard:read' },
  { path: '/ratings/reviews', labelKey: 'nav.ratings', permission: 'ratings:supervise|ratings:handle' },
  // Editors (catalog:write) and reviewers (catalog:review) share the catalogue screens.
  { path: '/catalog', labelKey: 'nav.catalog', permission: 'catalog:write|catalog:review' },
  { path: '/admin', labelKey: 'nav.admin', permission: 'org:write' },
];

/** Where a user lands after logging in: their first work area, else the portal. */
export function homePath(user: Me | null): string {
  if (!user) return '/portal';
  return AREAS.find((a) => a.permission?.split('|').some((p) => user.permissions.includes(p)))?.path ?? '/portal';
}

/** Only same-site paths: a crafted ?redirect=//evil.example must not leave the site. */
export function safeRedirect(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
    ? value
    : undefined;
}
