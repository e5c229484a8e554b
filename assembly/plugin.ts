// The per-VM side of a plugin (the proxy-wasm root context): parses the
// configuration once, picks the configuration for each request and creates its filter.

import { BufferType, LogLevel } from "./enums";
import { getBuffer } from "./buffers";
import { ConfigErrors, ConfigObject } from "./config";
import { Filter, HttpFilter } from "./filter";
import { HttpCallResponse, HttpCallResult, dispatchHttpCall } from "./http_call";
import { proxy_set_tick_period_milliseconds } from "./imports";
import { parseJsonBytes } from "./lib/json";
import { log, logAt, setLogPrefix } from "./log";
import { HeaderPair } from "./pairs";
import { parseRuleSet, RuleSet } from "./rules";
import { encodeBytes } from "./lib/bytes_text";

/** Non-generic base the dispatcher talks to. */
export abstract class Plugin {
  contextId: u32 = 0;
  constructor(public readonly name: string) {}

  /** Parses `config`; false rejects it (Envoy refuses the listener or NACKs the update). */
  abstract configure(config: ArrayBuffer): bool;
  /** A filter for the current request, or null when the plugin does not apply to it. */
  abstract newFilter(): Filter | null;

  /** A new, unconfigured instance of the same plugin (one per root context). */
  abstract fresh(): Plugin;

  onTick(): void {}
  onHttpCallResponse(response: HttpCallResponse): void {}
  onDone(): void {}

  setTickPeriod(ms: u32): void { proxy_set_tick_period_milliseconds(ms); }

  httpCall(cluster: string, headers: Array<HeaderPair>, body: ArrayBuffer | null, timeoutMs: u32): HttpCallResult {
    return dispatchHttpCall(this.contextId, cluster, headers, body, timeoutMs);
  }
}

/** Parses one configuration object (global part or one `_rules_` entry). */
export type ParseConfig<C> = (cfg: ConfigObject) => C;
/** Creates the filter of one request. */
export type CreateFilter<C> = (config: C) => HttpFilter<C>;

/** A plugin built from a config parser and a filter factory, with Higress `_rules_` support. */
export class FilterPlugin<C> extends Plugin {
  ruleSet: RuleSet<C> = new RuleSet<C>();

  constructor(name: string, public readonly parse: ParseConfig<C>, public readonly create: CreateFilter<C>) {
    super(name);
  }

  configure(config: ArrayBuffer): bool {
    const bytes = Uint8Array.wrap(config);
    // An empty configuration means "all defaults".
    const parsed = parseJsonBytes(bytes.length == 0 ? Uint8Array.wrap(encodeBytes("{}")) : bytes);
    const root = parsed.value;
    if (!parsed.ok || root == null) {
      logAt(LogLevel.Error, "invalid configuration: not valid JSON: " + parsed.error + " at byte " + parsed.offset.toString());
      return false;
    }
    if (!root.isObject()) {
      logAt(LogLevel.Error, "invalid configuration: must be a JSON object");
      return false;
    }
    const errors = new ConfigErrors();
    const set = parseRuleSet<C>(root, this.parse, errors);
    if (errors.count > 0) {
      logAt(LogLevel.Error, "invalid configuration: " + errors.toString());
      return false;
    }
    this.ruleSet = set;
    log.debug("configured with " + set.rules.length.toString() + " rule(s), global " + (set.global != null ? "on" : "off"));
    return true;
  }

  fresh(): Plugin { return new FilterPlugin<C>(this.name, this.parse, this.create); }

  newFilter(): Filter | null {
    const config = this.ruleSet.select();
    if (config == null) return null;
    return this.create(config);
  }
}

/** The module's plugin; each root context gets a fresh() copy. */
export let pluginTemplate: Plugin | null = null;

/** Registers a custom Plugin subclass (for plugins with root-level work such as ticks). */
export function registerPlugin(template: Plugin): void {
  pluginTemplate = template;
  setLogPrefix("[" + template.name + "] ");
}

/** Registers the module's plugin: a config parser and a per-request filter factory. */
export function registerFilter<C>(name: string, parse: ParseConfig<C>, create: CreateFilter<C>): void {
  registerPlugin(new FilterPlugin<C>(name, parse, create));
}
