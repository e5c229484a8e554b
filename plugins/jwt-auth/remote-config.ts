// `remote_jwks`: where a consumer's keys are fetched from and how long they are used. Also reads
// Higress's spelling (service_name, service_port, service_host, jwks_cache_duration).

import { ConfigObject } from "../../assembly/config";
import { hasControlChars } from "../../assembly/lib/ascii";

export class RemoteJwksConfig {
  cluster: string = "";
  authority: string = "";
  path: string = "";
  cacheSeconds: i32 = 300;
  timeoutMs: i32 = 1000;
  graceSeconds: i32 = 300;
  refetchSeconds: i32 = 10;

  /** Consumers fetching the same document share it (one fetch, one shared-data entry). */
  get key(): string { return this.cluster + "|" + this.authority + this.path; }
}

const KEYS = [
  "cluster", "authority", "path", "cache_seconds", "timeout_ms", "grace_seconds", "refetch_seconds",
  "service_name", "service_port", "service_host", "jwks_cache_duration",
];

export function parseRemoteJwks(cfg: ConfigObject): RemoteJwksConfig {
  cfg.allowOnly(KEYS);
  const r = new RemoteJwksConfig();
  if (cfg.has("service_name")) {
    if (cfg.has("cluster")) cfg.error("service_name", "cannot be combined with cluster");
    const service = cfg.requiredString("service_name");
    const port = cfg.int("service_port", 80, 1, 65535);
    r.cluster = "outbound|" + port.toString() + "||" + service;
    r.authority = cfg.string("service_host", service);
  } else {
    r.cluster = cfg.requiredString("cluster");
    r.authority = cfg.string("authority", cfg.string("service_host", r.cluster));
  }
  r.path = cfg.requiredString("path");
  if (r.path.length > 0 && !r.path.startsWith("/")) cfg.error("path", "must start with /");
  if (hasControlChars(r.path) || hasControlChars(r.authority) || r.authority.length == 0) cfg.error("authority", "must be a host name without control characters");
  const cache = cfg.has("jwks_cache_duration") ? "jwks_cache_duration" : "cache_seconds";
  r.cacheSeconds = <i32>cfg.int(cache, 300, 1, 7 * 86400);
  r.timeoutMs = <i32>cfg.int("timeout_ms", 1000, 1, 60000);
  r.graceSeconds = <i32>cfg.int("grace_seconds", 300, 0, 7 * 86400);
  r.refetchSeconds = <i32>cfg.int("refetch_seconds", 10, 1, 3600);
  return r;
}
