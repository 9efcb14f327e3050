/**
 * The lifecycle tools (offboard, lifecycle check) read cdktf.json's environments through
 * config/environment-schema.ts's own fields, not a copy of them (#32: the copy checked the state
 * bucket with `min(3)` only). Each case is a value the environment schema refuses; the copy
 * accepted every one of them (the mutation tried: putting the copy back).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentConfigSchema } from "../../config/environment-schema";
import { readEnvironments } from "../../pipeline/lib/environments";

const VALID = { accountId: "123456789012", stateBucket: "example-openclaw-tfstate", stateRegion: "us-east-1" };

function cdktfJson(environment: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), "environments-")), "cdktf.json");
  writeFileSync(file, JSON.stringify({ context: { environments: { production: environment } } }));
  return file;
}

describe("readEnvironments", () => {
  it("reads the fields it needs, with the environment schema's defaults", () => {
    const env = readEnvironments(cdktfJson({ ...VALID, lockTable: "locks", regions: {} })).get("production");
    expect(env).toEqual({ ...VALID, stateEncryption: "kms", offboarding: EnvironmentConfigSchema.shape.offboarding.parse(undefined) });
  });

  it.each([
    ["stateBucket", "Example_Bucket"],
    ["stateBucket", "-leading-hyphen"],
    ["stateRegion", "useast1"],
    ["accountId", "12345678901"],
    ["stateEncryption", "aws:kms"],
  ])("fails on %s %j, as the environment schema does", (field, value) => {
    expect(EnvironmentConfigSchema.shape[field as keyof typeof VALID].safeParse(value).success).toBe(false);
    expect(() => readEnvironments(cdktfJson({ ...VALID, [field]: value }))).toThrow(new RegExp(`context\\.environments\\.production\\.${field}: `));
  });

  it("fails on an offboarding setting the environment schema refuses", () => {
    expect(() => readEnvironments(cdktfJson({ ...VALID, offboarding: { unknownSetting: 1 } }))).toThrow(/context\.environments\.production\.offboarding/);
  });
});
