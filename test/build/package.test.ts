// `npm run package` (scripts/package.mjs): each dist/<plugin>.wasm becomes an OCI image layout that
// Istio's and Higress's oci:// fetcher accepts (the Wasm image spec's "compat" variant: one
// tar+gzip layer holding plugin.wasm), plus a sha256sum-style checksum file. Packs into a temporary
// directory from the already built dist/*.wasm and checks the layout the way a registry client reads it.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { REPO_ROOT } from "../envoy/envoy.ts";
// @ts-ignore: plain ESM script without types
import { packagePlugins, MEDIA_TYPES } from "../../scripts/package.mjs";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const PLUGINS = readdirSync(join(REPO_ROOT, "plugins")).filter((p) => statSync(join(REPO_ROOT, "plugins", p)).isDirectory()).sort();
const out = mkdtempSync(join(tmpdir(), "oci-package-"));
after(() => rmSync(out, { recursive: true, force: true }));
const results: Array<{ name: string; tag: string; manifest: { digest: string; size: number } }> = packagePlugins({ outDir: out });

/** Files of a tar archive, read independently of the writer: name -> bytes (regular files only). */
function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString("ascii").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    assert.equal(parseInt(h.subarray(148, 156).toString("ascii"), 8), sum, `tar header checksum of ${name}`);
    if (h[156] === 0x30 || h[156] === 0) files.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** A blob named by its descriptor: present, of that size, with that digest. */
function blob(layout: string, d: { digest: string; size: number }, what: string): Buffer {
  assert.match(d.digest, /^sha256:[0-9a-f]{64}$/, `${what} digest`);
  const bytes = readFileSync(join(layout, "blobs", "sha256", d.digest.slice(7)));
  assert.equal(bytes.length, d.size, `${what} size`);
  assert.equal(`sha256:${sha256(bytes)}`, d.digest, `${what} content matches its digest`);
  return bytes;
}

describe("OCI image layouts (npm run package)", () => {
  test("every plugin is packaged", () => {
    assert.deepEqual(results.map((r) => r.name), PLUGINS);
  });
  for (const name of PLUGINS) {
    test(name, () => {
      const layout = join(out, "oci", name);
      const wasm = readFileSync(join(REPO_ROOT, "dist", `${name}.wasm`));
      assert.equal(readFileSync(join(out, `${name}.wasm.sha256`), "utf8"), `${sha256(wasm)}  ${name}.wasm\n`);
      assert.deepEqual(JSON.parse(readFileSync(join(layout, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });

      const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
      assert.equal(index.schemaVersion, 2);
      assert.equal(index.mediaType, MEDIA_TYPES.index);
      assert.equal(index.manifests.length, 1);
      const version = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version;
      assert.equal(index.manifests[0].mediaType, "application/vnd.oci.image.manifest.v1+json");
      assert.equal(index.manifests[0].annotations["org.opencontainers.image.ref.name"], version, "tag for oras cp --from-oci-layout dir:tag");

      const manifest = JSON.parse(blob(layout, index.manifests[0], "manifest").toString("utf8"));
      assert.equal(manifest.schemaVersion, 2);
      assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
      assert.equal(manifest.annotations["module.wasm.image/variant"], "compat", "the compat variant's annotation");
      assert.equal(manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
      // Istio/Higress take the last layer; it must be an OCI tar+gzip layer holding plugin.wasm.
      assert.equal(manifest.layers.length, 1);
      assert.equal(manifest.layers[0].mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");

      const config = JSON.parse(blob(layout, manifest.config, "config").toString("utf8"));
      const layerGz = blob(layout, manifest.layers[0], "layer");
      const tar = gunzipSync(layerGz);
      assert.deepEqual(config.rootfs, { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] }, "diff_id is the uncompressed layer");
      assert.ok(config.architecture && config.os, "config has architecture and os (required by the image spec)");
      const files = untar(tar);
      assert.deepEqual([...files.keys()], ["plugin.wasm"]);
      assert.ok(files.get("plugin.wasm")!.equals(wasm), "the layer's plugin.wasm is dist/<plugin>.wasm byte for byte");

      // Nothing else in the layout: every blob is referenced.
      assert.deepEqual(readdirSync(join(layout, "blobs", "sha256")).sort(),
        [index.manifests[0].digest, manifest.config.digest, manifest.layers[0].digest].map((d: string) => d.slice(7)).sort());
    });
  }
  test("packaging is reproducible (same manifest digest twice)", () => {
    const again = mkdtempSync(join(tmpdir(), "oci-package-"));
    try {
      const second = packagePlugins({ outDir: again, names: [PLUGINS[0]] });
      assert.equal(second[0].manifest.digest, results[0]!.manifest.digest);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
