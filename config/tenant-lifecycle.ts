/**
 * The tenant lifecycle: the values of a tenant file's `status` and which changes between
 * two revisions of the file are legal. The loader checks one file; the pull request check
 * (pipeline/tenant-lifecycle-check.ts) compares the base and head revisions with these rules.
 *
 *   provisioning -> active | suspended | offboarding
 *   active       -> suspended | offboarding
 *   suspended    -> active | offboarding
 *   offboarding  -> offboarded      (only with the record the offboarding job wrote)
 *   offboarded   -> nothing         (a tombstone: the id is never reused)
 */
export const TENANT_STATUSES = ["provisioning", "active", "suspended", "offboarding", "offboarded"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

const TRANSITIONS: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  provisioning: ["active", "suspended", "offboarding"],
  active: ["suspended", "offboarding"],
  suspended: ["active", "offboarding"],
  offboarding: ["offboarded"],
  offboarded: [],
};

/** The statuses a tenant in `from` may move to (not including staying in `from`). */
export function legalTransitions(from: TenantStatus): readonly TenantStatus[] {
  return TRANSITIONS[from];
}

export function isLegalTransition(from: TenantStatus, to: TenantStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
