/**
 * `npm run synth` runs cdktf.json's app without the cdktf CLI (synth/launcher.ts). It must write
 * what `cdktf synth` writes, byte for byte, and give the app the environment the CLI gives it.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appEnvironment, summaryLines } from "../synth/launcher";
import { runTypeScript } from "./support/run-typescript";
import { REPO_ROOT, treeOf } from "./support/synth";

/** A project directory whose app is a one-line node script. */
function projectWithApp(app: string, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "synth-command-"));
  writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app, output: "out", ...extra }));
  return dir;
}

/** Runs the launcher in `cwd` (a project directory), as `npm run synth` does. */
const launch = (cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) => runTypeScript("synth/launcher.ts", args, { cwd, env, timeoutMs: 60_000 });

/** An app that records its environment and writes a manifest with one annotation of `level`. */
const recordingApp = (level = "warn") =>
  `node -e "require('fs').writeFileSync('env.json', JSON.stringify(process.env)); require('fs').mkdirSync(process.env.CDKTF_OUTDIR, {recursive: true}); require('fs').writeFileSync(process.env.CDKTF_OUTDIR + '/manifest.json', JSON.stringify({version: '0.21.0', stacks: {one: {annotations: [{constructPath: 'one/thing', level: '@cdktf/${level}', message: 'careful'}]}}}))"`;
const RECORD_ENV = recordingApp();

describe("npm run synth", () => {
  it("writes the same cdktf.out as `cdktf synth`, byte for byte, for the example tenants", () => {
    const out = mkdtempSync(join(tmpdir(), "synth-command-out-"));
    const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
    const ours = spawnSync("npm", ["run", "-s", "synth", "--", "--output", join(out, "npm")], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 120_000 });
    expect(ours.status).toBe(0);
    const cli = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", join(out, "cli")], {
      cwd: REPO_ROOT,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(cli.status).toBe(0);

    const expected = treeOf(join(out, "cli"));
    const actual = treeOf(join(out, "npm"));
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, bytes] of Object.entries(expected)) expect({ path, same: actual[path] === bytes }).toEqual({ path, same: true });
    // and says what it wrote, as the CLI does
    expect(ours.stdout).toMatch(/^Generated Terraform code for the stacks: platform-production-us-east-1, /m);
  }, 180_000);

  it("gives the app the CLI's environment: output directory, cdktf.json context plus local modules, no TF_VAR_", () => {
    const dir = projectWithApp(RECORD_ENV, { context: { environments: { production: {} } }, terraformModules: ["./modules/x", "hashicorp/consul/aws"] });
    const result = launch(dir, [], { TF_VAR_secret: "s3cret", CDKTF_CONTEXT_JSON: JSON.stringify({ inherited: true }) });
    expect(result.status).toBe(0);
    const seen = JSON.parse(readFileSync(join(dir, "env.json"), "utf8"));
    expect(seen.CDKTF_OUTDIR).toBe(join(dir, "out"));
    expect(JSON.parse(seen.CDKTF_CONTEXT_JSON)).toEqual({ inherited: true, environments: { production: {} }, cdktfRelativeModules: ["./modules/x"] });
    expect(seen.SYNTH_HCL_OUTPUT).toBe("false");
    expect(seen).not.toHaveProperty("TF_VAR_secret");
    // error annotations stop the app itself, before the previous output is replaced
    expect(seen).not.toHaveProperty("CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS");
    expect(result.stdout).toBe("WARN [one/thing]: careful\nGenerated Terraform code for the stacks: one\n");
  });

  it("writes where --output says, relative to the project", () => {
    const dir = projectWithApp(RECORD_ENV);
    for (const args of [["--output", "elsewhere"], ["--output=elsewhere"], ["-o", "elsewhere"]]) {
      expect(launch(dir, args).status).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, "env.json"), "utf8")).CDKTF_OUTDIR).toBe(join(dir, "elsewhere"));
    }
  });

  it("exits with the app's status and says the output was left alone when the app fails", () => {
    const dir = projectWithApp(`node -e "process.stderr.write('tenants/acme.yaml: bad\\\\n'); process.exit(1)"`);
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "manifest.json"), "previous");
    const result = launch(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("tenants/acme.yaml: bad");
    expect(result.stderr).toContain(`synth: the app exited 1; ${join(dir, "out")} was left as it was`);
    expect(readFileSync(join(dir, "out", "manifest.json"), "utf8")).toBe("previous");
  });

  it("refuses an unknown argument with usage, before running anything", () => {
    const dir = projectWithApp(RECORD_ENV);
    const result = launch(dir, ["--stack", "x"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/synth: unknown argument --stack\n\nusage: npm run synth/);
  });

  it("fails when the manifest carries an error annotation, printing it as the CLI does", () => {
    const result = launch(projectWithApp(recordingApp("error")));
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("ERROR [one/thing]: careful\n");
  });
});

describe("summaryLines", () => {
  it("names every stack, and says so when there is none", () => {
    expect(summaryLines({ stacks: { a: {}, b: { annotations: [{ constructPath: "b/c", level: "@cdktf/info", message: "hi" }] } } })).toEqual([
      "INFO [b/c]: hi",
      "Generated Terraform code for the stacks: a, b",
    ]);
    expect(summaryLines({ stacks: {} })).toEqual(["ERROR: No Terraform code synthesized."]);
  });
});

describe("appEnvironment", () => {
  it("keeps the parent's environment but for TF_VAR_ variables", () => {
    const env = appEnvironment({ app: "x", output: "o", context: {}, terraformModules: [] }, "/o", { PATH: "/bin", TF_VAR_a: "1", TF_LOG: "debug" });
    expect(env).toMatchObject({ PATH: "/bin", TF_LOG: "debug", CDKTF_OUTDIR: "/o", CDKTF_CONTEXT_JSON: '{"cdktfRelativeModules":[]}' });
    expect(env).not.toHaveProperty("TF_VAR_a");
  });
});
