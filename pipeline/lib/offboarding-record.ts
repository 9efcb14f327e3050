/**
 * The offboarding record: the compliance evidence of one tenant's offboarding, as JSON
 * (for machines and auditors' tools) and a short Markdown summary (for people; also the
 * workflow run's summary). Built only from what the job observed and stored.
 */
import type { DestroyedResource, TenantInventory } from "./terraform-state";
import type { KeyDeletion, ServiceCount, StoredObject } from "./offboarding-aws";
import type { OffboardingSettings } from "./environments";
import { evidenceMarkdown, type OffboardingEvidence } from "./offboarding-evidence";

export const RECORD_SCHEMA = "openclaw.offboarding-record/v1";

export interface Approval {
  readonly user: string;
  readonly environments: string[];
  readonly state: string;
  readonly comment: string;
}

export interface DatabaseOutcome {
  /** From the applied provisioner input. */
  readonly deletionMode: "drop" | "retain" | "none";
  /**
   * `exported`: in the archive and verified, not dropped yet (step 3 drops); `dropped`: exported,
   * verified, then removed; `retained`: role retired at destroy, rows kept; `none`: no database side.
   */
  readonly status: "exported" | "dropped" | "retained" | "none";
  /** Where the provisioner wrote the export: the offboarding archive, under database-exports/<tenant>/. */
  readonly exportLocation?: string;
  readonly note?: string;
}

export interface ArchivedObject extends StoredObject {
  readonly contents: "database export" | "bucket manifest";
}

export interface OffboardingRecord {
  readonly schema: typeof RECORD_SCHEMA;
  readonly tenantId: string;
  readonly environment: string;
  readonly region: string;
  readonly accountId: string;
  readonly stack: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly workflowRun: { readonly url?: string; readonly commit?: string; readonly triggeredBy?: string; readonly approvals: Approval[] };
  readonly agents: { readonly verifiedAt: string; readonly services: ServiceCount[] };
  readonly export: {
    readonly verifiedAt: string;
    readonly archiveBucket: string;
    readonly prefix: string;
    readonly objects: ArchivedObject[];
    readonly database: DatabaseOutcome;
    readonly tenantBucket: { readonly name: string; readonly objectVersions: number; readonly deleteMarkers: number; readonly bytes: number };
  };
  readonly destroy: {
    readonly completedAt: string;
    readonly bucketEmptied: { readonly versionsDeleted: number; readonly deleteMarkersDeleted: number };
    readonly resourcesDestroyed: DestroyedResource[];
    readonly resourcesRetained: (DestroyedResource & { readonly reason: string })[];
  };
  readonly kmsKey: KeyDeletion;
  readonly secrets: TenantInventory["secrets"];
  /** The environment's offboarding settings (cdktf.json), when declared; the archive keeps exports for archiveRetentionDays. */
  readonly settings?: OffboardingSettings;
  /**
   * For each destructive step, the CloudTrail event that proves it, `pending` while CloudTrail has
   * not delivered it yet, or where its evidence is when it is not a management event. Absent in
   * records written before the job looked evidence up; `--evidence-only` adds it.
   */
  readonly evidence?: OffboardingEvidence;
  readonly location: { readonly json: string; readonly markdown: string };
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function recordMarkdown(r: OffboardingRecord): string {
  const run = r.workflowRun;
  const approvers = run.approvals.filter((a) => a.state === "approved");
  const lines = [
    `### Offboarding record: tenant ${code(r.tenantId)}`,
    "",
    `Tenant ${code(r.tenantId)} (${r.environment}, ${r.region}, account ${r.accountId}) was offboarded between ${r.startedAt} and ${r.completedAt}.`,
    "",
    `- **Workflow run:** ${run.url ?? "(not given)"}${run.commit ? ` at ${code(run.commit.slice(0, 12))}` : ""}${run.triggeredBy ? `, triggered by @${run.triggeredBy}` : ""}`,
    `- **Approved by:** ${approvers.length ? approvers.map((a) => `@${a.user} (${a.environments.join(", ")}${a.comment ? `: "${a.comment}"` : ""})`).join("; ") : "no approval recorded"}`,
    `- **Agents:** ${r.agents.services.length} service(s) at 0 running tasks, verified ${r.agents.verifiedAt}`,
    `- **Database:** ${r.export.database.status} (deletion mode ${r.export.database.deletionMode})${r.export.database.exportLocation ? `, on the export ${code(r.export.database.exportLocation)}` : ""}${r.export.database.note ? `: ${r.export.database.note}` : ""}`,
    `- **Tenant bucket ${code(r.export.tenantBucket.name)}:** ${r.export.tenantBucket.objectVersions} object version(s) (${r.export.tenantBucket.bytes} bytes) and ${r.export.tenantBucket.deleteMarkers} delete marker(s) listed in the manifest, then deleted (${r.destroy.bucketEmptied.versionsDeleted} versions, ${r.destroy.bucketEmptied.deleteMarkersDeleted} markers)`,
    `- **KMS key ${code(r.kmsKey.keyId)}:** ${r.kmsKey.keyState}${r.kmsKey.deletionDate ? `, deleted on ${r.kmsKey.deletionDate}` : ""}`,
    `- **Secrets:** ${r.secrets.length ? r.secrets.map((s) => `${code(s.name)} (recovery window ${s.recoveryWindowInDays ?? "default"} days)`).join(", ") : "none"}`,
    "",
    `Archived in ${code(`s3://${r.export.archiveBucket}`)}, verified against S3's stored SHA-256 ${r.export.verifiedAt}${r.settings ? `, kept ${r.settings.archiveRetentionDays} days` : ""}:`,
    "",
    "| Object | Contents | Bytes | SHA-256 |",
    "|---|---|--:|---|",
    ...r.export.objects.map((o) => `| ${code(o.key)} | ${o.contents} | ${o.bytes} | ${code(o.sha256)} |`),
    "",
    ...(r.evidence ? [...evidenceMarkdown(r.evidence), ""] : ["**CloudTrail evidence:** not looked up yet (a record written before the job did); `npm run -s offboard -- --evidence-only` adds it.", ""]),
    `<details><summary>${r.destroy.resourcesDestroyed.length} resource(s) destroyed, ${r.destroy.resourcesRetained.length} retained</summary>`,
    "",
    ...r.destroy.resourcesDestroyed.map((d) => `- ${code(d.address)}${d.id ? ` ${code(d.id)}` : ""}`),
    ...r.destroy.resourcesRetained.map((d) => `- ${code(d.address)}${d.id ? ` ${code(d.id)}` : ""}: retained (${d.reason})`),
    "",
    "</details>",
    "",
    `Record: ${code(r.location.json)}`,
    "",
  ];
  return lines.join("\n");
}

/** The edit the operator merges to turn the tenant file into its tombstone. */
export function tombstoneEdit(r: Pick<OffboardingRecord, "tenantId" | "completedAt" | "location">): string {
  return `tenants/${r.tenantId}.yaml: set status: offboarded, offboardedAt: "${r.completedAt}", offboardingRecord: ${r.location.json}`;
}
