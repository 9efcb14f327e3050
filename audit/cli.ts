/**
 * `npm run audit:tenant -- <tenant-id> [--json] [--synth-dir DIR]`: what one tenant's stack
 * deploys, what each of its roles can reach, and what is exposed. Synthesizes the app in-process
 * from cdktf.json and tenants/ unless --synth-dir points at an existing synth (e.g. cdktf.out).
 *
 * Exit codes: 0 report printed; 1 bad input (unknown tenant, bad arguments, invalid config);
 * 2 unexpected failure.
 */
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config/loader";
import { repositoryConfigPaths } from "../config/repository-paths";
import { readSynthDir, REPO_ROOT, synthApp } from "../scan/synth-app";
import { auditTenant, formatAudit, UnknownTenantError } from "./tenant-audit";

const HELP = `Usage: npm run audit:tenant -- <tenant-id> [--json] [--synth-dir DIR]

Lists, for one tenant: every resource of its stack and the key that encrypts it; what each IAM
role can reach (its policies intersected with the platform permissions boundary); its
exposure (security group rules, public access, public IPs, internet egress); where its alarms
go; and where to look: its dashboard and its fleet's (names and console addresses) and the
environment's audit trail.

  --json           machine-readable output
  --synth-dir DIR  read an existing synth output (e.g. cdktf.out) instead of synthesizing
  --tenants DIR    tenants directory (default: tenants/)
  --help           this text

Exit codes: 0 ok, 1 bad input (unknown tenant, bad arguments, invalid config), 2 unexpected failure.`;

export interface AuditArgs {
  tenant?: string;
  json: boolean;
  synthDir?: string;
  tenantsDir?: string;
  help: boolean;
}

export function parseAuditArgs(argv: string[]): AuditArgs {
  const args: AuditArgs = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--json") args.json = true;
    else if (a === "--help" || a === "-h") args.help = true;
    else if (a === "--synth-dir") args.synthDir = resolve(value());
    else if (a === "--tenants") args.tenantsDir = resolve(value());
    else if (a.startsWith("-")) throw new Error(`unknown option ${a} (see --help)`);
    else if (args.tenant) throw new Error(`one tenant at a time (got ${args.tenant} and ${a})`);
    else args.tenant = a;
  }
  if (!args.help && !args.tenant) throw new Error("which tenant? usage: npm run audit:tenant -- <tenant-id> [--json]");
  return args;
}

export function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let args: AuditArgs;
  try {
    args = parseAuditArgs(argv);
  } catch (e) {
    err(`audit: ${(e as Error).message}\n`);
    return 1;
  }
  if (args.help) {
    out(`${HELP}\n`);
    return 0;
  }
  try {
    const paths = repositoryConfigPaths();
    const tenantsDir = args.tenantsDir ?? paths.tenantsDir;
    let config;
    let stacks;
    if (args.synthDir) {
      if (!existsSync(join(args.synthDir, "stacks"))) {
        err(`audit: ${args.synthDir} has no stacks/ directory; run npm run synth first\n`);
        return 1;
      }
      config = loadConfig({ cdktfJsonPath: paths.cdktfJsonPath, tenantsDir, displayRoot: REPO_ROOT });
      stacks = readSynthDir(args.synthDir);
    } else {
      // Refuse an unknown tenant before paying for a synth.
      config = loadConfig({ cdktfJsonPath: paths.cdktfJsonPath, tenantsDir, displayRoot: REPO_ROOT });
      if (!config.tenants.some((t) => t.id === args.tenant)) throw new UnknownTenantError(args.tenant!, config.tenants.map((t) => t.id));
      const synthesis = synthApp({ tenantsDir, cdktfJsonPath: paths.cdktfJsonPath });
      stacks = synthesis.stacks; // parsed already: the temporary synth output is not needed
      rmSync(synthesis.outdir, { recursive: true, force: true });
    }
    const audit = auditTenant(args.tenant!, config, Object.fromEntries(stacks.map((s) => [s.name, s.json])));
    out(args.json ? `${JSON.stringify(audit, null, 2)}\n` : formatAudit(audit));
    return 0;
  } catch (e) {
    if (e instanceof UnknownTenantError) {
      err(`audit: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ConfigError) {
      err(`${e.problems.join("\n")}\n`);
      return 1;
    }
    err(`audit: unexpected failure: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
