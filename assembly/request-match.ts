// A rule's request condition, as the rate-limit plugins write it: {"path_prefix", "methods",
// "headers": [{"name", "value"}]}; all parts must hold, an absent part holds for every request.

import { ConfigObject } from "./config";
import { isToken } from "./lib/baggage";
import { RequestView } from "./request-view";

export class HeaderCondition {
  /** `value` null: the header only has to be present. */
  constructor(public name: string, public value: string | null) {}
}

export class RequestMatch {
  /** On the path without its query. */
  pathPrefix: string = "";
  methods: Array<string> = new Array<string>();
  headers: Array<HeaderCondition> = new Array<HeaderCondition>();

  matches(req: RequestView): bool {
    if (this.pathPrefix.length > 0 && !req.pathOnly().startsWith(this.pathPrefix)) return false;
    if (this.methods.length > 0 && !this.methods.includes(req.method())) return false;
    for (let i = 0; i < this.headers.length; i++) {
      const m = unchecked(this.headers[i]);
      const v = req.headers.get(m.name);
      if (v == null) return false;
      const want = m.value;
      if (want != null && v != want) return false;
    }
    return true;
  }

  /** Every request this matches also matches `other`. */
  within(other: RequestMatch): bool {
    if (!this.pathPrefix.startsWith(other.pathPrefix)) return false;
    if (other.methods.length > 0) {
      if (this.methods.length == 0) return false;
      for (let i = 0; i < this.methods.length; i++) if (!other.methods.includes(unchecked(this.methods[i]))) return false;
    }
    for (let i = 0; i < other.headers.length; i++) {
      const h = unchecked(other.headers[i]);
      let found = false;
      for (let j = 0; j < this.headers.length && !found; j++) {
        const g = unchecked(this.headers[j]);
        const want = h.value;
        found = g.name == h.name && (want == null || g.value == want);
      }
      if (!found) return false;
    }
    return true;
  }

  /** Reads the `match` object `m`, reporting errors on it. */
  static parse(m: ConfigObject): RequestMatch {
    const match = new RequestMatch();
    m.allowOnly(["path_prefix", "methods", "headers"]);
    match.pathPrefix = m.string("path_prefix", "");
    if (m.has("path_prefix") && !match.pathPrefix.startsWith("/")) m.error("path_prefix", "must start with /");
    const methods = m.stringList("methods");
    for (let i = 0; i < methods.length; i++) {
      const method = unchecked(methods[i]);
      if (!isToken(method)) m.errors.add(m.pathOf("methods") + "[" + i.toString() + "]", "must be an HTTP method");
      else match.methods.push(method);
    }
    const headers = m.objectList("headers");
    for (let i = 0; i < headers.length; i++) {
      const h = unchecked(headers[i]);
      h.allowOnly(["name", "value"]);
      const name = h.headerName("name", null, true);
      const value: string | null = h.has("value") ? h.string("value", "") : null;
      match.headers.push(new HeaderCondition(name, value));
    }
    return match;
  }
}
