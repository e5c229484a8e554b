// The root side of jwt-auth: configurations share their top level's consumers with their rules
// (config.ts), consumers with `remote_jwks` get a key set that ticks and fetches, and a route with
// `_disable_` still gets its identity headers removed.

import { Filter } from "../../assembly/filter";
import { FilterPlugin, CreateFilter } from "../../assembly/plugin";
import { RequestView } from "../../assembly/request-view";
import { HttpCallResponse } from "../../assembly/http-call";
import { RuleSet } from "../../assembly/rules";
import { nowNanos } from "../../assembly/time";
import { Config, parseConfig, resetParse } from "./config";
import { metrics } from "./metrics";
import { hasRemoteKeySets, onRemoteResponse, remoteKeySet, tickRemoteKeySets } from "./remote-jwks";

const TICK_MS: u32 = 500;

function nowSeconds(): f64 { return <f64>nowNanos() / 1e9; }

export class JwtAuthPlugin extends FilterPlugin<Config> {
  /** For routes with `_disable_`: no authentication, but identity headers are still removed. */
  private stripOnly: Config | null = null;

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
    const stripOnly = new Config();
    stripOnly.consumers = global.consumers;
    stripOnly.required = false;
    this.stripOnly = stripOnly;
    const consumers = global.consumers.list;
    for (let i = 0; i < consumers.length; i++) {
      const c = unchecked(consumers[i]);
      const remote = c.remote;
      if (remote != null) c.keySet = remoteKeySet(remote, this.contextId);
    }
    if (hasRemoteKeySets()) this.setTickPeriod(TICK_MS);
  }

  newFilter(view: RequestView): Filter | null {
    const config = this.ruleSet.select(view);
    if (config != null) return this.createFilter(config);
    const stripOnly = this.stripOnly;
    return stripOnly == null ? null : this.createFilter(stripOnly);
  }

  onTick(): void { tickRemoteKeySets(nowSeconds()); }

  onHttpCallResponse(response: HttpCallResponse): void { onRemoteResponse(response, nowSeconds()); }
}
