// Packages every dist/<plugin>.wasm as an OCI image layout (dist/oci/<plugin>/) that Higress and
// Istio can pull from a registry with `url: oci://...`, and writes dist/<plugin>.wasm.sha256.
// Usage: node scripts/package.mjs [--out <dir>] [name ...]   (run `npm run build` first; `npm run package` does)
//
// Image format: the Wasm image spec's "compat" variant, which is what Istio's (and Higress's fork of
// it) image fetcher tries first (pkg/wasm/imagefetcher.go, extractOCIStandardImage): an OCI image
// manifest whose last layer is `application/vnd.oci.image.layer.v1.tar+gzip` holding `plugin.wasm`,
// annotated `module.wasm.image/variant: compat`. Higress's own plugin images put plugin.wasm in a
// tar+gzip layer too. The single-layer `application/vnd.module.wasm.content.layer.v1+wasm` form is
// NOT accepted: the fetcher's "oci" variant demands exactly two layers (see README, "Packaging").
//
// Written with plain Node (tar, gzip, sha256, JSON), no Docker; the result is reproducible: the tar
// entry has mtime 0, uid/gid 0, mode 0644, and nothing else in the image depends on time.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};
export const WASM_FILE = "plugin.wasm";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** One-file ustar archive: `name` with `data`, mode 0644, owner 0, mtime 0. */
export function tarOneFile(name, data) {
  const header = Buffer.alloc(512);
  const field = (offset, length, text) => header.write(text, offset, length, "ascii");
  const octal = (offset, length, n) => field(offset, length, n.toString(8).padStart(length - 1, "0") + "\0");
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.length);
  octal(136, 12, 0);
  header.fill(0x20, 148, 156); // checksum counted as spaces
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([header, Buffer.from(data), Buffer.alloc(pad), Buffer.alloc(1024)]);
}

function writeBlob(dir, bytes) {
  const digest = sha256(bytes);
  writeFileSync(join(dir, "blobs", "sha256", digest), bytes);
  return { digest: `sha256:${digest}`, size: bytes.length };
}

/**
 * Writes the OCI image layout of one plugin into `layoutDir` (replacing what was there).
 * Returns the manifest descriptor (digest, size) and the tag.
 */
export function writeOciLayout(layoutDir, { name, version, wasm, source }) {
  rmSync(layoutDir, { recursive: true, force: true });
  mkdirSync(join(layoutDir, "blobs", "sha256"), { recursive: true });
  const tar = tarOneFile(WASM_FILE, wasm);
  const layer = writeBlob(layoutDir, gzipSync(tar, { level: 9 }));
  const config = writeBlob(layoutDir, Buffer.from(JSON.stringify({
    architecture: "wasm",
    os: "wasip1",
    config: {},
    rootfs: { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] },
  })));
  const annotations = {
    "module.wasm.image/variant": "compat",
    "org.opencontainers.image.title": name,
    "org.opencontainers.image.version": version,
  };
  if (source) annotations["org.opencontainers.image.source"] = source;
  const manifest = writeBlob(layoutDir, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, ...config },
    layers: [{ mediaType: MEDIA_TYPES.layer, ...layer }],
    annotations,
  })));
  writeFileSync(join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layoutDir, "index.json"), JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [{
      mediaType: MEDIA_TYPES.manifest,
      ...manifest,
      annotations: { "org.opencontainers.image.ref.name": version },
    }],
  }, null, 2) + "\n");
  return { manifest, tag: version };
}

/** Packages dist/<name>.wasm for each name into <outDir>/oci/<name>/ and <outDir>/<name>.wasm.sha256. */
export function packagePlugins({ distDir = join(root, "dist"), outDir = distDir, names } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const all = readdirSync(distDir).filter((f) => f.endsWith(".wasm")).map((f) => f.slice(0, -5))
    .filter((n) => existsSync(join(root, "plugins", n, "index.ts"))).sort();
  const chosen = names && names.length > 0 ? names : all;
  const results = [];
  for (const name of chosen) {
    const file = join(distDir, `${name}.wasm`);
    if (!existsSync(file)) throw new Error(`${file} does not exist (run npm run build)`);
    const wasm = readFileSync(file);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${name}.wasm.sha256`), `${sha256(wasm)}  ${name}.wasm\n`);
    const { manifest, tag } = writeOciLayout(join(outDir, "oci", name), {
      name, version: pkg.version, wasm, source: pkg.repository?.url,
    });
    results.push({ name, tag, manifest, wasmSha256: sha256(wasm) });
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  const outDir = outAt >= 0 ? resolve(args.splice(outAt, 2)[1]) : undefined;
  try {
    for (const r of packagePlugins({ outDir, names: args })) {
      console.log(`✓ dist/oci/${r.name}:${r.tag}  manifest ${r.manifest.digest}  (plugin.wasm sha256 ${r.wasmSha256.slice(0, 12)}…)`);
    }
  } catch (e) {
    console.error(`✗ ${e.message}`);
    process.exit(1);
  }
}
