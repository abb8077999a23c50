import { canActOn, type Principal, type StaffRole } from '../../platform/auth/roles.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import type { CaseRow } from './cases.repository.ts';
import type { ActorClass } from './cases.transitions.ts';

// Who may do what to a case, as small predicates. Staff roles cover the subtree of the unit they
// are granted on; administrators stand in for any role.

export type Ctx = Pick<ActionContext, 'actor' | 'requestId' | 'ip' | 'principal'>;

export const isUnder = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

export const isApplicant = (p: Principal | undefined, c: Pick<CaseRow, 'applicant_account_id'>) =>
  !!p && p.userKind !== 'staff' && c.applicant_account_id !== null && c.applicant_account_id === p.userId;

/** cases:intake on the case's receiving or handling unit: the one window that took it, or the item's own unit. */
export const isClerkFor = (p: Principal | undefined, c: Pick<CaseRow, 'receiving_unit_path' | 'handling_unit_path'>) =>
  !!p && (canActOn(p, 'cases:intake', c.receiving_unit_path) || canActOn(p, 'cases:intake', c.handling_unit_path));

/** Holds `role` (or admin) on `unitPath` or above. */
export const hasRoleOn = (p: Principal | undefined, role: StaffRole, unitPath: string) =>
  !!p && p.grants.some((g) => (g.role === role || g.role === 'admin') && isUnder(unitPath, g.orgPath));

export function canRead(p: Principal | undefined, c: Pick<CaseRow, 'applicant_account_id' | 'receiving_unit_path' | 'handling_unit_path'>): boolean {
  if (!p) return false;
  if (isApplicant(p, c)) return true;
  return (['cases:intake', 'cases:review', 'cases:supervise'] as const).some(
    (perm) => canActOn(p, perm, c.receiving_unit_path) || canActOn(p, perm, c.handling_unit_path),
  );
}

/** The actor classes the caller belongs to for this case (the current step decides 'reviewer'). */
export function actorClassesOf(ctx: Ctx, c: CaseRow, step: { role: StaffRole; unitPath: string } | undefined): Set<ActorClass> {
  const out = new Set<ActorClass>();
  if (ctx.actor.kind === 'system') out.add('system');
  const p = ctx.principal;
  if (isApplicant(p, c)) out.add('applicant');
  if (isClerkFor(p, c)) out.add('clerk');
  if (step && hasRoleOn(p, step.role, step.unitPath)) out.add('reviewer');
  return out;
}
