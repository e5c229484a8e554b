// The per-VM side of a plugin (the proxy-wasm root context): takes its configuration once, picks
// the configuration for each request and creates its filter.
//
// A configuration goes through two steps:
//   parse     pure: JSON and the plugin's parser, errors naming the field. Envoy's
//             proxy_validate_configuration runs only this, so validating changes nothing.
//   activate  side effects of an accepted configuration (metrics, shared data, ticks), run once
//             per root context that will use it, after the whole configuration (global part and
//             every `_rules_` entry) was accepted.

import { BufferType, LogLevel } from "./enums";
import { getBuffer } from "./buffers";
import { ConfigErrors, ConfigObject } from "./config";
import { Filter, HttpFilter } from "./filter";
import { GrpcResponse } from "./grpc-call";
import { HttpCallResponse, HttpCallResult, dispatchHttpCall } from "./http-call";
import { proxy_set_tick_period_milliseconds } from "./imports";
import { parseJsonBytes } from "./lib/json";
import { log, logAt, setLogPrefix } from "./log";
import { HeaderPair } from "./pairs";
import { RequestView } from "./request-view";
import { parseRuleSet, RuleSet } from "./rules";
import { encodeBytes } from "./lib/bytes-text";

/** Non-generic base the dispatcher talks to. One instance per root context. */
export abstract class Plugin {
  contextId: u32 = 0;
  constructor(public readonly name: string) {}

  /** Checks `config` without side effects; false rejects it (the reason is logged). */
  abstract validate(config: ArrayBuffer): bool;
  /** Takes `config` for this root context (parse, then activate); false rejects it. */
  abstract configure(config: ArrayBuffer): bool;
  /** A filter for the request `view` shows, or null when the plugin does not apply to it. */
  abstract newFilter(view: RequestView): Filter | null;

  onTick(): void {}
  onHttpCallResponse(response: HttpCallResponse): void {}
  onGrpcResponse(response: GrpcResponse): void {}
  onDone(): void {}

  setTickPeriod(ms: u32): void { proxy_set_tick_period_milliseconds(ms); }

  httpCall(cluster: string, headers: Array<HeaderPair>, body: ArrayBuffer | null, timeoutMs: u32): HttpCallResult {
    return dispatchHttpCall(this.contextId, cluster, headers, body, timeoutMs);
  }
}

/** Parses one configuration object (global part or one `_rules_` entry); must have no side effects. */
export type ParseConfig<C> = (cfg: ConfigObject) => C;
/** Creates the filter of one request. */
export type CreateFilter<C> = (config: C) => HttpFilter<C>;
/** Side effects of one accepted configuration object (metrics, shared data); called once per root context. */
export type ActivateConfig<C> = (config: C) => void;

/** A plugin built from a config parser and a filter factory, with Higress `_rules_` support. */
export class FilterPlugin<C> extends Plugin {
  ruleSet: RuleSet<C> = new RuleSet<C>();

  constructor(
    name: string,
    public readonly parseConfig: ParseConfig<C>,
    public readonly createFilter: CreateFilter<C>,
    public readonly activateConfig: ActivateConfig<C> | null = null,
  ) {
    super(name);
  }

  /** The whole configuration parsed, or null after logging why it is rejected. Pure. */
  parse(config: ArrayBuffer): RuleSet<C> | null {
    const bytes = Uint8Array.wrap(config);
    // An empty configuration means "all defaults".
    const parsed = parseJsonBytes(bytes.length == 0 ? Uint8Array.wrap(encodeBytes("{}")) : bytes);
    const root = parsed.value;
    if (!parsed.ok || root == null) {
      logAt(LogLevel.Error, "invalid configuration: not valid JSON: " + parsed.error + " at byte " + parsed.offset.toString());
      return null;
    }
    if (!root.isObject()) {
      logAt(LogLevel.Error, "invalid configuration: must be a JSON object");
      return null;
    }
    const errors = new ConfigErrors();
    const set = parseRuleSet<C>(root, this.parseConfig, errors);
    if (errors.count > 0) {
      logAt(LogLevel.Error, "invalid configuration: " + errors.toString());
      return null;
    }
    return set;
  }

  validate(config: ArrayBuffer): bool {
    return this.parse(config) != null;
  }

  configure(config: ArrayBuffer): bool {
    const set = this.parse(config);
    if (set == null) return false;
    this.ruleSet = set;
    this.activate(set);
    log.debug("configured with " + set.rules.length.toString() + " rule(s), global " + (set.global != null ? "on" : "off"));
    return true;
  }

  /** Runs the plugin's activation for every configuration of an accepted set (override for root-level work). */
  activate(set: RuleSet<C>): void {
    const activate = this.activateConfig;
    if (activate == null) return;
    const global = set.global;
    if (global != null) activate(global);
    for (let i = 0; i < set.rules.length; i++) {
      const c = unchecked(set.rules[i]).config;
      if (c != null) activate(c);
    }
  }

  newFilter(view: RequestView): Filter | null {
    const config = this.ruleSet.select(view);
    if (config == null) return null;
    return this.createFilter(config);
  }
}

/** Creates the Plugin of one root context. */
export type PluginFactory = () => Plugin;

/** Registration that builds a FilterPlugin (a generic closure AssemblyScript cannot express as a function). */
abstract class Registration {
  abstract create(): Plugin;
}

class FilterRegistration<C> extends Registration {
  constructor(
    public readonly name: string,
    public readonly parse: ParseConfig<C>,
    public readonly createFilter: CreateFilter<C>,
    public readonly activate: ActivateConfig<C> | null,
  ) {
    super();
  }
  create(): Plugin { return new FilterPlugin<C>(this.name, this.parse, this.createFilter, this.activate); }
}

class FactoryRegistration extends Registration {
  constructor(public readonly factory: PluginFactory) { super(); }
  create(): Plugin { return this.factory(); }
}

let registration: Registration | null = null;

/** A new Plugin for a root context, or null when the module registered none. */
export function createPlugin(): Plugin | null {
  const r = registration;
  return r == null ? null : r.create();
}

/** Registers the module's plugin: a config parser, a per-request filter factory and optional activation. */
export function registerFilter<C>(name: string, parse: ParseConfig<C>, create: CreateFilter<C>, activate: ActivateConfig<C> | null = null): void {
  registration = new FilterRegistration<C>(name, parse, create, activate);
  setLogPrefix("[" + name + "] ");
}

/** Registers a custom Plugin subclass (for root-level work such as ticks); `factory` makes one per root context. */
export function registerPlugin(name: string, factory: PluginFactory): void {
  registration = new FactoryRegistration(factory);
  setLogPrefix("[" + name + "] ");
}
