// Roles and what they may do. A staff role is always held for one org unit and covers its subtree;
// citizens and enterprises act only on their own records. Routes name a permission (their scope);
// object-level rules are small policy predicates in each module.

export const STAFF_ROLES = [
  'admin', // 系统管理员
  'window_clerk', // 窗口人员
  'approver', // 审批人员
  'hotline_agent', // 话务员
  'handling_staff', // 承办单位人员
  'supervisor', // 督办/效能监督
  'data_officer', // 数据管理员
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const USER_KINDS = ['staff', 'citizen', 'enterprise'] as const;
export type UserKind = (typeof USER_KINDS)[number];

export const PERMISSIONS = {
  'org:read': 'read the org tree, units and staff',
  'org:write': 'change org units, staff and role assignments, import a district',
  'audit:read': 'read and verify the audit log',
  'calendar:write': 'override working days',
  'pii:read': 'see unmasked ID and phone numbers (each access audited)',
  'jobs:read': 'see the job queue and outbox',
  'tokens:write': 'issue and revoke API tokens for systems',
  'workbench:use': 'use the staff workbench',
  'hotline:use': 'take and handle 12345 work orders',
  'hotline:dispatch': 'hotline centre: take calls, dispatch, review returns and extensions, call back and close work orders',
  'hotline:handle': "handling unit: sign, handle, reply to and return the work orders of one's unit",
  'hotline:supervise': 'urge, supervise and escalate work orders; read hotline metrics and scorecards',
  'dispatch:manage': 'see how intelligent dispatch performs, teach it examples and retrain it',
  'knowledge:write': 'write, publish and retire knowledge base articles',
  'hall:use': 'serve the hall queue',
  'hall:manage': 'set up halls: windows, services, number ranges and appointment slots',
  'dashboard:read': 'read supervision dashboards',
  'data:manage': 'manage data resources and data-use requests',
  'catalog:write': 'edit service items and bundles of the catalogue, import and export it',
  'catalog:review': 'review, publish and cancel catalogue versions',
  'portal:use': 'apply, book, track and rate as a citizen or enterprise',
  'cases:intake': 'one window (综合受理): take applications for walk-in and mail applicants, pre-review, correction notices, accept or refuse, hand out results',
  'cases:review': "review and decide the cases of one's unit's items at the process steps one's role is configured for",
  'cases:supervise': 'read every case of a subtree, case metrics and exports (电子监察)',
  'ratings:handle': "rectify, explain or appeal the bad reviews (差评) of one's unit",
  'ratings:supervise': 'classify bad reviews, call raters back (sees who rated), give feedback, decide appeals, close; read ratings and the ledger',
  'ratings:record': 'record a rating given on the phone and send rating invitations by SMS',
  'ratings:manage': 'choose the rating indicators and the bad-review time limits',
} as const;
export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];

export const ROLE_PERMISSIONS: Record<StaffRole | 'citizen' | 'enterprise', readonly Permission[]> = {
  admin: ALL.filter((p) => p !== 'portal:use'),
  window_clerk: ['org:read', 'workbench:use', 'hall:use', 'pii:read', 'cases:intake', 'ratings:handle'],
  approver: ['org:read', 'workbench:use', 'cases:review', 'ratings:handle'],
  hotline_agent: ['org:read', 'hotline:use', 'hotline:dispatch', 'pii:read', 'ratings:record'],
  handling_staff: ['org:read', 'hotline:use', 'hotline:handle', 'workbench:use', 'cases:review', 'ratings:handle'],
  supervisor: ['org:read', 'dashboard:read', 'hotline:use', 'hotline:dispatch', 'hotline:supervise', 'knowledge:write', 'audit:read', 'catalog:review', 'cases:supervise', 'ratings:supervise', 'ratings:record'],
  data_officer: ['org:read', 'data:manage', 'dashboard:read'],
  citizen: ['portal:use'],
  enterprise: ['portal:use'],
};

/** Route scopes: anyone, any signed-in caller, or a named permission. */
export type Scope = 'public' | 'authenticated' | Permission;

export function isScope(value: unknown): value is Scope {
  return value === 'public' || value === 'authenticated' || (typeof value === 'string' && value in PERMISSIONS);
}

export interface RoleGrant {
  role: StaffRole;
  orgUnitId: string;
  /** Materialised path of the unit ("YX/YX-ZSJ"), so subtree checks are a prefix test. */
  orgPath: string;
}

/** Who is calling. Built per request from a session cookie or a bearer token. */
export interface Principal {
  via: 'session' | 'token';
  userId: string;
  userKind: UserKind;
  displayName: string;
  grants: RoleGrant[];
  permissions: ReadonlySet<Permission>;
  /** SHA-256 of the session id, when signed in through a cookie session. */
  sessionId?: string;
  /** The session's CSRF token, echoed by the browser in X-CSRF-Token. */
  csrfToken?: string;
  tokenId?: string;
}

export function permissionsOf(userKind: UserKind, grants: RoleGrant[]): Set<Permission> {
  const set = new Set<Permission>();
  if (userKind !== 'staff') for (const p of ROLE_PERMISSIONS[userKind]) set.add(p);
  for (const g of grants) for (const p of ROLE_PERMISSIONS[g.role]) set.add(p);
  return set;
}

/** True when the principal holds `permission` through a grant on `orgPath` or one of its ancestors. */
export function canActOn(p: Principal, permission: Permission, orgPath: string): boolean {
  return p.grants.some(
    (g) =>
      ROLE_PERMISSIONS[g.role].includes(permission) && (orgPath === g.orgPath || orgPath.startsWith(`${g.orgPath}/`)),
  );
}
