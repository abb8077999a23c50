// Where case pages live. Citizens and enterprises use /apply and /cases; staff work under
// /workbench, so each route needs exactly one permission.
import { can } from '../../session.ts';

const isWindow = () => can('cases:intake');

/** The application form of an item or bundle: online for citizens, 综合受理 for a clerk. */
export const applyPath = (code: string, isBundle = false) =>
  `${isWindow() ? '/workbench/apply' : '/apply'}${isBundle ? '/bundles' : ''}/${encodeURIComponent(code)}`;

export const casePath = (id: string) => (can('workbench:use') ? `/workbench/cases/${id}` : `/cases/${id}`);
