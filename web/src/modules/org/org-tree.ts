// Turns the flat, tree-ordered list from GET /api/org/units into nested nodes.
import type { OrgUnit } from '../../api.ts';

export interface OrgNode {
  unit: OrgUnit;
  children: OrgNode[];
}

export function buildOrgTree(units: OrgUnit[]): OrgNode[] {
  const byId = new Map<string, OrgNode>();
  for (const unit of units) byId.set(unit.id, { unit, children: [] });
  const roots: OrgNode[] = [];
  for (const node of byId.values()) {
    const parent = node.unit.parentId ? byId.get(node.unit.parentId) : undefined;
    // A unit whose parent is missing (out of the caller's scope) still shows, as a root.
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}
