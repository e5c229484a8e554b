// Every envoy-examples/<x>/docker-compose.yaml is a valid Compose file (the Compose Specification
// schema Docker Compose validates against, vendored in test/build/vendor/), mounts files that exist
// in the repository, runs the Envoy image the project pins and publishes exactly the ports the
// envoy.yaml next to it listens on (listeners and admin). Where the `docker-compose` command is
// installed (Debian: apt-get install docker-compose), `docker-compose config` parses each file too;
// it needs no Docker engine for that.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, resolve, relative } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import Ajv from "ajv";
import { REPO_ROOT } from "../envoy/envoy.ts";
import { parseYamlSubset } from "../scenarios/yaml-subset.ts";

const ENVOY_IMAGE = "envoyproxy/envoy:v1.40.0";

function composeValidator() {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, "test/build/vendor/compose-spec.json"), "utf8"));
  delete schema.$schema; // "draft/2019-09/schema#": ajv's draft-07 core reads every keyword this schema uses
  const dropIds = (o: any): void => {
    if (Array.isArray(o)) o.forEach(dropIds);
    else if (o && typeof o === "object") {
      if (typeof o.id === "string") delete o.id;
      Object.values(o).forEach(dropIds);
    }
  };
  dropIds(schema);
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const f of ["duration", "expose", "ports", "subnet_ip_address"]) ajv.addFormat(f, true);
  return { ajv, validate: ajv.compile(schema) };
}

/** Ports Envoy binds: socket_address port_value on 0.0.0.0 / :: (listeners and admin, not upstream endpoints). */
function listenerPorts(envoyYaml: string): number[] {
  const out: number[] = [];
  for (const m of envoyYaml.matchAll(/socket_address:\s*\{\s*address:\s*"?(0\.0\.0\.0|::)"?,\s*port_value:\s*(\d+)\s*\}/g)) out.push(Number(m[2]));
  return out.sort((a, b) => a - b);
}

const DIRS = readdirSync(join(REPO_ROOT, "envoy-examples")).filter((d) => existsSync(join(REPO_ROOT, "envoy-examples", d, "docker-compose.yaml")));
const hasDockerCompose = spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0;
const { ajv, validate } = composeValidator();

describe("envoy-examples docker-compose files", () => {
  test("every example has one", () => {
    const all = readdirSync(join(REPO_ROOT, "envoy-examples")).filter((d) => existsSync(join(REPO_ROOT, "envoy-examples", d, "envoy.yaml")));
    assert.deepEqual(DIRS, all);
  });
  test("the vendored schema refuses what Compose refuses", () => {
    assert.equal(validate({ services: { envoy: { image: ENVOY_IMAGE, ports: ["1:1"] } } }), true);
    assert.equal(validate({ services: { envoy: { imag: ENVOY_IMAGE } } }), false);
    assert.equal(validate({ services: { envoy: { image: ENVOY_IMAGE, ports: [{ target: "http" }] } } }), false);
    assert.equal(validate({ services: { envoy: { image: ENVOY_IMAGE, depends_on: "echo" } } }), false);
  });
  for (const dir of DIRS) {
    const rel = `envoy-examples/${dir}`;
    const file = join(REPO_ROOT, rel, "docker-compose.yaml");
    const compose = parseYamlSubset(readFileSync(file, "utf8"));
    test(`${rel}/docker-compose.yaml: valid per the Compose Specification`, () => {
      assert.ok(validate(compose), ajv.errorsText(validate.errors, { separator: "; " }));
    });
    test(`${rel}/docker-compose.yaml: mounted paths exist in the repository`, () => {
      let mounts = 0;
      for (const [name, svc] of Object.entries<any>(compose.services)) {
        for (const v of svc.volumes ?? []) {
          const source = typeof v === "string" ? v.split(":")[0] : v.source;
          assert.match(source, /^\.\.?\//, `${name}: ${source} is not a path relative to the example`);
          const abs = resolve(REPO_ROOT, rel, source);
          const inRepo = relative(REPO_ROOT, abs);
          assert.ok(!inRepo.startsWith(".."), `${name}: ${source} is outside the repository`);
          // dist/ is what `npm run build` writes (the wasm modules); everything else is committed.
          if (inRepo !== "dist") assert.ok(existsSync(abs), `${name}: ${source} does not exist`);
          mounts++;
        }
      }
      assert.ok(mounts > 0);
    });
    test(`${rel}/docker-compose.yaml: Envoy ${ENVOY_IMAGE} publishing the ports of envoy.yaml`, () => {
      const envoy = compose.services.envoy;
      assert.ok(envoy, "no envoy service");
      assert.equal(envoy.image, ENVOY_IMAGE);
      assert.ok(envoy.volumes.some((v: string) => v.startsWith("./envoy.yaml:/etc/envoy/envoy.yaml")), "envoy.yaml is not mounted as the Envoy configuration");
      const published = (envoy.ports as string[]).map((p) => {
        const [host, container] = String(p).split(":");
        assert.equal(host, container, `${p}: the demo publishes each port under its own number`);
        return Number(container);
      }).sort((a, b) => a - b);
      assert.deepEqual(published, listenerPorts(readFileSync(join(REPO_ROOT, rel, "envoy.yaml"), "utf8")));
    });
    test(`${rel}/docker-compose.yaml: docker-compose config`, { skip: hasDockerCompose ? false : "docker-compose is not installed" }, () => {
      execFileSync("docker-compose", ["-f", file, "config", "-q"], { cwd: join(REPO_ROOT, rel), stdio: ["ignore", "pipe", "pipe"] });
    });
  }
});
