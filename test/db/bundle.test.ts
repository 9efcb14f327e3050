/**
 * The artifact the platform deploys: the esbuild bundle of the provisioner Lambda.
 * Checks what only the bundle can show: it is deterministic, it carries the migrations,
 * and the bundled handler validates its input and insists on TLS to the database.
 */
import { execFile, execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as os from "os";
import { promisify } from "util";
import { buildProvisionerBundle, buildProvisionerBundleRecord, bundleProvisioner } from "../../db/bundle";

jest.setTimeout(30_000);

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, "..", "..");

/** Runs the bundled handler once in a fresh Node process (as Lambda would) and returns its outcome. */
async function invokeBundle(directory: string, event: unknown, env: Record<string, string>): Promise<{ ok: boolean; value: string }> {
  const script = `
    require(${JSON.stringify(path.join(directory, "index.js"))})
      .handler(${JSON.stringify(event)}, { invokedFunctionArn: "arn:aws:lambda:us-east-1:111111111111:function:p" })
      .then((r) => console.log(JSON.stringify({ ok: true, value: JSON.stringify(r) })),
            (e) => console.log(JSON.stringify({ ok: false, value: String(e && e.message) })));`;
  const { stdout } = await run(process.execPath, ["-e", script], { env: { PATH: process.env.PATH ?? "", ...env } });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

describe("provisioner bundle", () => {
  test("is built once per process", () => {
    expect(bundleProvisioner()).toBe(bundleProvisioner());
  });

  test("is reused by a later process without running esbuild while its inputs are unchanged", async () => {
    const built = bundleProvisioner();
    // A fresh process whose esbuild refuses to build: the recorded bundle must be what it gets.
    const script = `
      const real = require("esbuild");
      require.cache[require.resolve("esbuild")].exports = { ...real, buildSync() { throw new Error("esbuild ran"); } };
      require(${JSON.stringify(path.join(repoRoot, "scripts", "ts-require-hook.cjs"))});
      console.log(JSON.stringify(require(${JSON.stringify(path.join(repoRoot, "db", "bundle.ts"))}).bundleProvisioner()));`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual(built);
  });

  test("is built again when a repository file it contains changes, outside db/ too", async () => {
    // Found while splitting createProvisioner (#32): the record's key hashed only db/ and the lock
    // file, so a change to config/format-issues.ts (which db/contract.ts bundles) was served the old
    // zip, and the goldens kept a hash a fresh clone does not produce.
    bundleProvisioner();
    const changed = path.join(repoRoot, "config", "format-issues.ts");
    const script = `
      const fs = require("fs");
      const read = fs.readFileSync;
      fs.readFileSync = function (file, ...rest) {
        const content = read.call(this, file, ...rest);
        return file === ${JSON.stringify(changed)} ? Buffer.concat([Buffer.from(content), Buffer.from("\\n// changed\\n")]) : content;
      };
      const real = require("esbuild");
      require.cache[require.resolve("esbuild")].exports = { ...real, buildSync() { throw new Error("esbuild ran"); } };
      require(${JSON.stringify(path.join(repoRoot, "scripts", "ts-require-hook.cjs"))});
      try { require(${JSON.stringify(path.join(repoRoot, "db", "bundle.ts"))}).bundleProvisioner(); console.log("reused"); }
      catch (e) { console.log(e.message); }`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: repoRoot });
    expect(stdout.trim()).toBe("esbuild ran");
  });

  test("records every repository file esbuild read, and none from node_modules (package-lock.json stands for those)", () => {
    const { sources } = buildProvisionerBundleRecord(fs.mkdtempSync(path.join(os.tmpdir(), "bundle-sources-")));
    expect(sources).toEqual(expect.arrayContaining(["db/lambda/handler.ts", "db/contract.ts", "config/format-issues.ts", "config/tenant-id.ts"]));
    expect(sources.filter((f) => f.includes("node_modules"))).toEqual([]);
    expect([...sources].sort()).toEqual(sources);
  });

  test("is the same zip, byte for byte, when built again", () => {
    const first = bundleProvisioner();
    const zip = fs.readFileSync(first.archivePath);
    // A fresh write into a directory of its own (the shared one may be in use by another synth).
    const second = buildProvisionerBundle(fs.mkdtempSync(path.join(os.tmpdir(), "bundle-again-")));
    expect(second.archivePath).not.toBe(first.archivePath);
    expect({ ...second, directory: undefined, archivePath: undefined }).toEqual({ ...first, directory: undefined, archivePath: undefined });
    // Buffer.equals: jest's deep equality walks a megabyte byte by byte.
    expect(fs.readFileSync(second.archivePath).equals(zip)).toBe(true);
    expect(second.sourceCodeHash).toBe(createHash("sha256").update(zip).digest("base64"));
  });

  // Info-ZIP's unzip as an independent reader of the zip; present on the CI machines.
  const unzip = ["/usr/bin/unzip", "/usr/local/bin/unzip"].find((p) => fs.existsSync(p));
  (unzip ? test : test.skip)("zips index.js and every migration, and nothing else, as unzip reads them", () => {
    const { directory, archivePath } = bundleProvisioner();
    const migrations = fs.readdirSync(path.join(repoRoot, "db", "migrations")).filter((f) => f.endsWith(".sql"));
    expect(fs.readdirSync(directory).sort()).toEqual(["index.js", ...migrations].sort());
    execFileSync(unzip!, ["-tq", archivePath]); // CRCs and structure
    for (const name of fs.readdirSync(directory)) {
      expect(execFileSync(unzip!, ["-p", archivePath, name], { maxBuffer: 64 << 20 }).equals(fs.readFileSync(path.join(directory, name)))).toBe(true);
    }
    expect(execFileSync(unzip!, ["-Z1", archivePath], { encoding: "utf8" }).trim().split("\n")).toEqual(["index.js", ...migrations].sort());
  });

  describe("handler", () => {
    let secrets: http.Server;
    let secretsUrl: string;
    const requests: string[] = [];

    beforeAll(async () => {
      // Stands in for the Secrets Manager API: answers GetSecretValue with an RDS-style master secret.
      secrets = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          requests.push(`${req.headers["x-amz-target"]} ${body}`);
          res.setHeader("content-type", "application/x-amz-json-1.1");
          res.end(JSON.stringify({ ARN: "arn:secret", SecretString: JSON.stringify({ username: "master", password: "pw" }) }));
        });
      });
      await new Promise<void>((resolve) => secrets.listen(0, "127.0.0.1", resolve));
      secretsUrl = `http://127.0.0.1:${(secrets.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => secrets.close(() => resolve())));

    const env = () => ({
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
      DB_HOST: "127.0.0.1",
      DB_PORT: "1", // overridden where a test needs a listener
      DB_NAME: "openclaw",
      DB_MASTER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-1",
      OPENCLAW_ENVIRONMENT: "test",
    });
    const event = { tenantId: "acme", environment: "test", exportBucket: "openclaw-acme-exports", exportKmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/acme", deletionMode: "retain", connectionLimit: 5, tf: { action: "create" } };

    test("rejects invalid input before reading any secret", async () => {
      requests.length = 0;
      const out = await invokeBundle(bundleProvisioner().directory, { ...event, tenantId: "Not Valid" }, env());
      expect(out).toEqual({ ok: false, value: expect.stringContaining("invalid provisioner input: tenantId:") });
      expect(requests).toEqual([]);
    });

    test("reads the master secret named by its environment, then insists on TLS to the database", async () => {
      // Answers a client's first message like a PostgreSQL server without TLS: "N" to an
      // SSLRequest. A client that did not ask for TLS would send a StartupMessage first
      // and fail differently.
      const firstMessages: Buffer[] = [];
      const noTls = net.createServer((socket) => socket.once("data", (d) => (firstMessages.push(d), socket.write("N"))));
      await new Promise<void>((resolve) => noTls.listen(0, "127.0.0.1", resolve));
      try {
        requests.length = 0;
        const port = String((noTls.address() as net.AddressInfo).port);
        const out = await invokeBundle(bundleProvisioner().directory, event, { ...env(), DB_PORT: port });
        expect(requests).toEqual([`secretsmanager.GetSecretValue ${JSON.stringify({ SecretId: env().DB_MASTER_SECRET_ARN })}`]);
        expect(out).toEqual({ ok: false, value: "The server does not support SSL connections" });
        // SSLRequest: length 8, code 80877103.
        expect(firstMessages[0].subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
      } finally {
        await new Promise<void>((resolve) => noTls.close(() => resolve()));
      }
    });
  });
});
