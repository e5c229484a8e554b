// The root side of jwt-auth: configurations share their top level's consumers with their rules
// (config.ts), and consumers with `remote_jwks` get a key set that ticks and fetches.

import { FilterPlugin, CreateFilter } from "../../assembly/plugin";
import { HttpCallResponse } from "../../assembly/http-call";
import { RuleSet } from "../../assembly/rules";
import { nowNanos } from "../../assembly/time";
import { Config, parseConfig, resetParse } from "./config";
import { metrics } from "./metrics";
import { hasRemoteKeySets, onRemoteResponse, remoteKeySet, tickRemoteKeySets } from "./remote-jwks";

const TICK_MS: u32 = 500;

function nowSeconds(): f64 { return <f64>nowNanos() / 1e9; }

export class JwtAuthPlugin extends FilterPlugin<Config> {
  constructor(create: CreateFilter<Config>) {
    super("jwt-auth", parseConfig, create);
  }

  parse(config: ArrayBuffer): RuleSet<Config> | null {
    resetParse();
    const set = super.parse(config);
    resetParse();
    return set;
  }

  activate(set: RuleSet<Config>): void {
    metrics();
    const global = set.global;
    if (global == null) return; // rules without a top level were rejected by parse
    const consumers = global.consumers.list;
    for (let i = 0; i < consumers.length; i++) {
      const c = unchecked(consumers[i]);
      const remote = c.remote;
      if (remote != null) c.keySet = remoteKeySet(remote, this.contextId);
    }
    if (hasRemoteKeySets()) this.setTickPeriod(TICK_MS);
  }

  onTick(): void { tickRemoteKeySets(nowSeconds()); }

  onHttpCallResponse(response: HttpCallResponse): void { onRemoteResponse(response, nowSeconds()); }
}
