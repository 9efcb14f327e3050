// Enforces SECURITY.md C38 (the table "Enforcing tests" there lists this file).
/**
 * Images by digest only (issue 28): a tag in cdktf.json's agentImage or a tenant's
 * agents.<name>.image is refused at load, naming file and field, every problem at once.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../config/loader";
import { FIXTURE_CDKTF_JSON, minimalTenantYaml } from "../support/fixtures";

const DIGEST = `sha256:${"b".repeat(64)}`;
const tenant = (image: string) => minimalTenantYaml({ butler: `cpu: 512, memory: 1024, image: "${image}"` });

function load(agentImage: unknown, tenantImage: string) {
  const dir = mkdtempSync(join(tmpdir(), "openclaw-image-ref-"));
  const cdktf = JSON.parse(readFileSync(FIXTURE_CDKTF_JSON, "utf8"));
  for (const env of Object.values<Record<string, unknown>>(cdktf.context.environments)) {
    if (agentImage === undefined) delete env.agentImage;
    else env.agentImage = agentImage;
  }
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify(cdktf));
  const tenants = join(dir, "tenants");
  require("node:fs").mkdirSync(tenants);
  writeFileSync(join(tenants, "acme.yaml"), tenant(tenantImage));
  return () => loadConfig({ cdktfJsonPath: join(dir, "cdktf.json"), tenantsDir: tenants, displayRoot: dir });
}

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected a ConfigError");
}

test("accepts digests in both places", () => {
  const config = load(DIGEST, DIGEST)();
  expect(config.tenants[0].agents.butler.image).toBe(DIGEST);
});

test("refuses a tag as the environment's agentImage, naming cdktf.json and the field, and says how to resolve it", () => {
  const lines = problems(load("2026.11.0", DIGEST));
  expect(lines).toEqual([
    expect.stringMatching(/^cdktf\.json: context\.environments\.production\.agentImage: an image digest sha256:<64 hex digits>; a tag is not accepted, resolve it with `npm run image:resolve -- --environment <env> --tag <tag>` \(got "2026\.11\.0"\)$/),
    expect.stringMatching(/^cdktf\.json: context\.environments\.staging\.agentImage: an image digest/),
  ]);
});

test("refuses an environment without agentImage (there is no default tag any more)", () => {
  expect(problems(load(undefined, DIGEST))[0]).toMatch(/^cdktf\.json: context\.environments\.production\.agentImage: /);
});

test("refuses a tag in a tenant file, naming the file and agents.<name>.image", () => {
  expect(problems(load(DIGEST, "2026.11.1-rc1"))).toEqual([
    expect.stringMatching(/^tenants\/acme\.yaml: agents\.butler\.image: an image digest sha256:<64 hex digits>; a tag is not accepted.* \(got "2026\.11\.1-rc1"\)$/),
  ]);
});

test("refuses a digest with a repository or a short hash", () => {
  expect(problems(load(DIGEST, `openclaw/agent@${DIGEST}`))[0]).toMatch(/agents\.butler\.image: an image digest/);
  expect(problems(load(DIGEST, "sha256:abc"))[0]).toMatch(/agents\.butler\.image: an image digest/);
});
