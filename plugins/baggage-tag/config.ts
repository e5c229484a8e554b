// Configuration of baggage-tag (see README.md for the table).

import { ConfigObject } from "../../assembly/config";
import { asciiLower } from "../../assembly/lib/ascii";
import { isToken } from "../../assembly/lib/baggage";

export enum Source { Baggage, Jaeger, OpenTracing, SkyWalking }

const SOURCE_NAMES = ["baggage", "jaeger", "opentracing", "skywalking"];
const MAX_TAG_LENGTH: i64 = 4096;

export class TagRule {
  baggageKey: string = "x-mse-tag";
  header: string = "x-mse-tag";
  overrideHeader: bool = false;
  allowedValues: Set<string> = new Set<string>();
  maxLength: i32 = 64;
  defaultValue: string = "";
  propagateToBaggage: bool = false;
  sources: Array<Source> = [Source.Baggage, Source.Jaeger, Source.OpenTracing, Source.SkyWalking];
  /** `uberctx-<key>` and `ot-baggage-<key>`, lower-cased once here. */
  jaegerHeader: string = "";
  openTracingHeader: string = "";

  /** A value may become a header: allowed, short enough, and an HTTP token (no spaces, CR/LF, separators). */
  accepts(value: string): bool {
    if (value.length == 0 || value.length > this.maxLength) return false;
    if (!isToken(value)) return false;
    return this.allowedValues.size == 0 || this.allowedValues.has(value);
  }
}

export class Config {
  rules: Array<TagRule> = new Array<TagRule>();
}

export function parseConfig(cfg: ConfigObject): Config {
  cfg.allowOnly(["rules"]);
  const config = new Config();
  if (!cfg.has("rules")) {
    const rule = new TagRule();
    finish(rule);
    config.rules.push(rule);
    return config;
  }
  const rules = cfg.objectList("rules");
  if (rules.length == 0) cfg.error("rules", "must list at least one rule");
  for (let i = 0; i < rules.length; i++) config.rules.push(parseRule(unchecked(rules[i])));
  return config;
}

function parseRule(r: ConfigObject): TagRule {
  r.allowOnly(["baggage_key", "header", "override", "allowed_values", "max_length", "default", "propagate_to_baggage", "sources"]);
  const rule = new TagRule();
  rule.baggageKey = r.string("baggage_key", "x-mse-tag");
  if (!isToken(rule.baggageKey)) r.error("baggage_key", "must be a baggage key (an HTTP token: letters, digits, !#$%&'*+-.^_`|~)");
  rule.header = r.headerName("header", rule.baggageKey);
  rule.overrideHeader = r.bool("override", false);
  rule.maxLength = <i32>r.int("max_length", 64, 1, MAX_TAG_LENGTH);
  const allowed = r.stringList("allowed_values");
  for (let i = 0; i < allowed.length; i++) rule.allowedValues.add(unchecked(allowed[i]));
  rule.defaultValue = r.string("default", "");
  if (rule.defaultValue.length > 0 && !rule.accepts(rule.defaultValue)) {
    r.error("default", "is not a value this rule accepts (allowed_values, max_length, HTTP token characters)");
  }
  rule.propagateToBaggage = r.bool("propagate_to_baggage", false);
  if (r.has("sources")) {
    const before = r.errors.count;
    const indexes = r.oneOfEach("sources", SOURCE_NAMES);
    if (indexes.length == 0 && r.errors.count == before) r.error("sources", "must list at least one of: " + SOURCE_NAMES.join(", "));
    rule.sources = new Array<Source>();
    for (let i = 0; i < indexes.length; i++) rule.sources.push(<Source>unchecked(indexes[i]));
  }
  finish(rule);
  return rule;
}

function finish(rule: TagRule): void {
  const key = asciiLower(rule.baggageKey);
  rule.jaegerHeader = "uberctx-" + key;
  rule.openTracingHeader = "ot-baggage-" + key;
}
