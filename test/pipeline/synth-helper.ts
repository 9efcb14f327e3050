/** Builds small cdktf-shaped synth directories (manifest.json + stacks/<name>/cdk.tf.json). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadEnvironments } from "../../config/loader";
import { expectedSettings } from "../../pipeline/lib/stack-policy";
import { FIXTURE_CDKTF_JSON } from "../support/fixtures";

/** The repository's environments: fake stacks get the backend and account StackSettings gives them. */
const ENVIRONMENTS = loadEnvironments(FIXTURE_CDKTF_JSON);

export interface FakeStack {
  name: string;
  environment: string;
  accountId?: string;
  region?: string;
  dependencies?: string[];
  resources?: Record<string, Record<string, unknown>>;
  /** Files under stacks/<name>/assets/, path -> content. */
  assets?: Record<string, string>;
  /** cdktf version written into the "//" metadata, to show it is ignored. */
  cdktfVersion?: string;
}

export function stackConfig(s: FakeStack): Record<string, unknown> {
  const region = s.region ?? "us-east-1";
  const key = s.name.startsWith("tenant-") ? `tenants/${s.name.slice(7)}.tfstate` : `platform/${s.environment}/${region}.tfstate`;
  const environment = ENVIRONMENTS[s.environment];
  const resource: Record<string, Record<string, unknown>> = {};
  for (const [type, byId] of Object.entries(s.resources ?? {})) {
    resource[type] = {};
    for (const [id, body] of Object.entries(byId as Record<string, Record<string, unknown>>)) {
      resource[type][id] = { "//": { metadata: { path: `${s.name}/${id}`, uniqueId: id } }, ...body };
    }
  }
  return {
    "//": { metadata: { backend: "s3", stackName: s.name, version: s.cdktfVersion ?? "0.21.0" }, outputs: {} },
    provider: {
      aws: [
        {
          allowed_account_ids: [s.accountId ?? (s.environment === "production" ? "111111111111" : "222222222222")],
          default_tags: [{ tags: { Environment: s.environment, ManagedBy: "cdktf" } }],
          region,
        },
      ],
    },
    resource,
    terraform: {
      // What StackSettings writes for a known environment (so the stack policy lets it through).
      backend: environment
        ? expectedSettings(s.environment, environment, region, key).terraform.backend
        : { s3: { bucket: `example-openclaw-tfstate-${s.environment}`, dynamodb_table: "example-openclaw-tf-locks", encrypt: true, key, region: "us-east-1", use_lockfile: true } },
      required_providers: { aws: { source: "aws", version: "6.25.0" } },
      required_version: ">= 1.10.0",
    },
  };
}

export function writeSynth(dir: string, stacks: FakeStack[]): string {
  mkdirSync(join(dir, "stacks"), { recursive: true });
  const manifest: Record<string, unknown> = { stacks: {}, version: "0.21.0" };
  for (const s of stacks) {
    const wd = `stacks/${s.name}`;
    (manifest.stacks as Record<string, unknown>)[s.name] = {
      annotations: [],
      constructPath: s.name,
      dependencies: s.dependencies ?? [],
      name: s.name,
      stackMetadataPath: `${wd}/metadata.json`,
      synthesizedStackPath: `${wd}/cdk.tf.json`,
      workingDirectory: wd,
    };
    mkdirSync(join(dir, wd), { recursive: true });
    writeFileSync(join(dir, wd, "cdk.tf.json"), JSON.stringify(stackConfig(s), null, 2));
    for (const [path, content] of Object.entries(s.assets ?? {})) {
      mkdirSync(join(dir, wd, "assets", path, ".."), { recursive: true });
      writeFileSync(join(dir, wd, "assets", path), content);
    }
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}
