import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { TarEntry, writeTar } from "./tar";

/**
 * An OCI image layout (image-spec v1.1: `oci-layout`, `index.json`, `blobs/sha256/`) written
 * without a container engine. The digest depends only on the layers' entries and the config:
 * the JSON is serialised with a fixed key order and gzip gets no name or timestamp.
 */

export const MEDIA_TYPES = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

export interface Blob {
  readonly descriptor: Descriptor;
  readonly data: Buffer;
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export function blob(mediaType: string, data: Buffer): Blob {
  return { descriptor: { mediaType, digest: sha256(data), size: data.length }, data };
}

/** The container configuration an image carries (OCI `config`, plus Docker's Healthcheck). */
export interface ImageRuntimeConfig {
  readonly User: string;
  readonly Env: string[];
  readonly Entrypoint: string[];
  readonly WorkingDir: string;
  readonly StopSignal: string;
  readonly Labels: Record<string, string>;
  /** Docker's field (nanoseconds); ECS uses the task definition's, which must agree. */
  readonly Healthcheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number };
  readonly ExposedPorts?: Record<string, object>;
}

export interface BuiltImage {
  /** The manifest's digest: what environments and tenant files reference. */
  readonly digest: string;
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
}

/** Builds config, layers and manifest in memory. `created` is the build's fixed time. */
export function buildImage(layers: readonly TarEntry[][], runtime: ImageRuntimeConfig, created: Date): BuiltImage {
  const tars = layers.map((entries) => writeTar(entries));
  // level 9 and no header name/mtime (zlib writes mtime 0): same bytes in, same bytes out.
  const gzipped = tars.map((tar) => blob(MEDIA_TYPES.layer, gzipSync(tar, { level: 9 })));
  const config = blob(
    MEDIA_TYPES.config,
    Buffer.from(
      JSON.stringify({
        created: created.toISOString(),
        architecture: "amd64",
        os: "linux",
        config: runtime,
        rootfs: { type: "layers", diff_ids: tars.map((t) => sha256(t)) },
        history: tars.map((_, i) => ({ created: created.toISOString(), created_by: `openclaw image build: layer ${i + 1} of ${tars.length}` })),
      }),
    ),
  );
  const manifest = blob(
    MEDIA_TYPES.manifest,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: config.descriptor,
        layers: gzipped.map((l) => l.descriptor),
      }),
    ),
  );
  return { digest: manifest.descriptor.digest, manifest, config, layers: gzipped };
}

/** Writes the image as an OCI layout directory; `refName` tags it in index.json. */
export function writeLayout(image: BuiltImage, dir: string, refName: string): void {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  for (const b of [image.manifest, image.config, ...image.layers]) writeFileSync(join(blobs, b.descriptor.digest.slice("sha256:".length)), b.data);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [{ ...image.manifest.descriptor, annotations: { "org.opencontainers.image.ref.name": refName } }],
    }),
  );
}

/** Reads back the image an OCI layout holds (its only manifest), checking every blob's digest. */
export function readLayout(dir: string): BuiltImage {
  const read = (d: Descriptor): Blob => {
    const data = readFileSync(join(dir, "blobs", "sha256", d.digest.slice("sha256:".length)));
    if (sha256(data) !== d.digest) throw new Error(`${dir}: blob ${d.digest} does not match its digest`);
    return { descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, data };
  };
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Descriptor[] };
  if (index.manifests.length !== 1) throw new Error(`${dir}: index.json must list exactly one manifest (found ${index.manifests.length})`);
  const manifest = read(index.manifests[0]);
  const parsed = JSON.parse(manifest.data.toString("utf8")) as { config: Descriptor; layers: Descriptor[] };
  return { digest: manifest.descriptor.digest, manifest, config: read(parsed.config), layers: parsed.layers.map(read) };
}
