import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AGENT_CONTAINER_USER,
  AGENT_HEALTH_CHECK,
  APP_DIRECTORY,
  REFERENCE_ENTRYPOINT,
  STOP_SIGNAL,
} from "../agent/contract";
import { controlField, readDeb } from "./deb";
import { buildImage, BuiltImage, ImageRuntimeConfig } from "./oci";
import { applicationLayer, packagesLayer } from "./rootfs";

/** The reference agent image: Debian packages from the lock file plus images/agent/runtime. */

export const AGENT_IMAGE_DIR = join(__dirname, "..", "agent");
export const PACKAGE_LOCK = join(AGENT_IMAGE_DIR, "debian-packages.lock.json");

export interface LockedPackage {
  readonly package: string;
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
}

export function readPackageLock(path = PACKAGE_LOCK): LockedPackage[] {
  return (JSON.parse(readFileSync(path, "utf8")) as { packages: LockedPackage[] }).packages;
}

const SECONDS = 1e9; // Docker's Healthcheck durations are nanoseconds

/** The image's runtime config, from the contract (the task definition's values). */
export function agentRuntimeConfig(): ImageRuntimeConfig {
  return {
    User: AGENT_CONTAINER_USER,
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_ENV=production"],
    Entrypoint: [...REFERENCE_ENTRYPOINT],
    WorkingDir: APP_DIRECTORY,
    StopSignal: STOP_SIGNAL,
    Labels: {
      "org.opencontainers.image.title": "openclaw-agent-reference",
      "org.opencontainers.image.description": "Reference OpenClaw agent runtime honouring images/agent/CONTRACT.md",
    },
    Healthcheck: {
      Test: [...AGENT_HEALTH_CHECK.command],
      Interval: AGENT_HEALTH_CHECK.intervalSeconds * SECONDS,
      Timeout: AGENT_HEALTH_CHECK.timeoutSeconds * SECONDS,
      Retries: AGENT_HEALTH_CHECK.retries,
      StartPeriod: AGENT_HEALTH_CHECK.startPeriodSeconds * SECONDS,
    },
  };
}

/** Files of images/agent/runtime and where they go under /app (extension dropped for executables). */
export function runtimeFiles(dir = join(AGENT_IMAGE_DIR, "runtime")): Record<string, { data: Buffer; executable: boolean }> {
  const files: Record<string, { data: Buffer; executable: boolean }> = {};
  for (const name of readdirSync(dir).sort()) {
    const data = readFileSync(join(dir, name));
    const executable = (statSync(join(dir, name)).mode & 0o111) !== 0;
    // healthcheck.js → /app/healthcheck: the health check command names it without extension.
    files[name === "healthcheck.js" ? "healthcheck" : name] = { data, executable };
  }
  return files;
}

/**
 * Downloads the locked packages into `cacheDir` (once), refusing any whose sha256 differs from
 * the lock: the lock, not the mirror, decides what goes into the image.
 */
export async function fetchPackages(lock: readonly LockedPackage[], cacheDir: string, fetchImpl: typeof fetch = fetch, progress: (line: string) => void = () => {}): Promise<{ name: string; data: Buffer }[]> {
  mkdirSync(cacheDir, { recursive: true });
  const result: { name: string; data: Buffer }[] = [];
  for (const [i, p] of lock.entries()) {
    const file = join(cacheDir, `${p.sha256}.deb`);
    let data = existsSync(file) ? readFileSync(file) : undefined;
    if (!data) {
      const response = await fetchImpl(p.url);
      if (!response.ok) throw new Error(`${p.package} ${p.version}: GET ${p.url}: HTTP ${response.status}; is the version still on the mirror? (refresh the lock)`);
      data = Buffer.from(await response.arrayBuffer());
      progress(`[${i + 1}/${lock.length}] ${p.package} ${p.version}: downloaded ${data.length} bytes`);
    } else progress(`[${i + 1}/${lock.length}] ${p.package} ${p.version}: cached`);
    const actual = createHash("sha256").update(data).digest("hex");
    if (actual !== p.sha256) throw new Error(`${p.package} ${p.version}: sha256 ${actual} differs from the lock's ${p.sha256}; refusing it`);
    if (!existsSync(file)) writeFileSync(file, data);
    result.push({ name: p.package, data });
  }
  return result;
}

/** Builds the image from package archives (in lock order), runtime files and a fixed time. */
export function buildAgentImage(
  debs: readonly { name: string; data: Buffer }[],
  app: Readonly<Record<string, { data: Buffer; executable: boolean }>>,
  sourceDateEpoch: number,
  lock?: readonly LockedPackage[],
): BuiltImage {
  const packages = debs.map(({ name, data }) => {
    const deb = readDeb(data, name);
    const locked = lock?.find((p) => p.package === name);
    const version = controlField(deb.control, "Version");
    if (locked && locked.version !== version) throw new Error(`${name}: the archive is version ${version}, the lock says ${locked.version}`);
    return { name, deb };
  });
  return buildImage(
    [packagesLayer(packages, sourceDateEpoch), applicationLayer(app, APP_DIRECTORY, sourceDateEpoch)],
    agentRuntimeConfig(),
    new Date(sourceDateEpoch * 1000),
  );
}
