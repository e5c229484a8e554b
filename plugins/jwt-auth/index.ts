// jwt-auth: verifies JWTs at the gateway and names the verified consumer in x-mse-consumer (with
// claims copied into headers); any request that needs a token and has no valid one gets a 401, a
// consumer not allowed on the route a 403. Identity headers a client sent are always removed.
// See README.md.

import { Action } from "../../assembly/enums";
import { HttpFilter } from "../../assembly/filter";
import { HeaderMap, requestHeaders } from "../../assembly/headers";
import { HeaderPair } from "../../assembly/pairs";
import { Plugin, registerPlugin } from "../../assembly/plugin";
import { nowNanos } from "../../assembly/time";
import { Config, Consumer, CONSUMER_HEADER } from "./config";
import { Denial, denialCode, denialMessage } from "./errors";
import { metrics } from "./metrics";
import { JwtAuthPlugin } from "./plugin";
import { CachedToken } from "./token-cache";
import { FoundTokens, findTokens, removeToken } from "./tokens";
import { TokenCheck, checkToken } from "./verify";

class JwtAuth extends HttpFilter<Config> {
  // Per-callback results, reused (a VM runs one callback at a time).
  private static readonly found: FoundTokens = new FoundTokens();
  private static readonly check: TokenCheck = new TokenCheck();

  /** The request already waited once for keys: it will not wait again. */
  private waited: bool = false;

  onRequestHeaders(headers: HeaderMap, endOfStream: bool): Action {
    return this.authenticate(headers);
  }

  /** Keys this request waited for arrived (or the wait ended): check again and resume. */
  onWake(): void {
    if (this.authenticate(requestHeaders) == Action.Continue) this.continueRequest();
  }

  private authenticate(headers: HeaderMap): Action {
    const config = this.config;
    const m = metrics();
    if (!config.required) return this.passAnonymous(headers);
    const shared = config.consumers;
    const found = JwtAuth.found;
    findTokens(shared.sources, headers, this.request, found);
    if (found.tooMany) return this.deny(Denial.TooManyTokens);
    if (found.count == 0) return config.allowMissing ? this.passAnonymous(headers) : this.deny(Denial.TokenMissing);
    const now = <f64>nowNanos() / 1e9;
    let consumer: Consumer | null = null;
    let claimValues: Array<string | null> = [];
    for (let i = 0; i < found.count; i++) {
      const token = unchecked(found.tokens[i]);
      const source = unchecked(found.sources[i]);
      let entry = shared.cache.get(token, source, now);
      if (entry != null) {
        m.cacheHit.increment();
      } else {
        m.cacheMiss.increment();
        const check = JwtAuth.check;
        checkToken(token, source, shared.maxTokenBytes, now, !this.waited, check);
        const waitFor = check.waitFor;
        if (waitFor != null) {
          this.waited = true;
          waitFor.addWaiter(this.contextId, now);
          return Action.Pause;
        }
        const verified = check.consumer;
        if (verified == null) return this.deny(check.denial);
        entry = new CachedToken(verified, source, check.claimValues);
        entry.token = token;
        entry.generation = verified.keySet.generation;
        entry.expiresAt = check.expiresAt;
        shared.cache.put(entry);
      }
      if (consumer == null) {
        consumer = entry.consumer;
        claimValues = entry.claimValues;
      } else if (consumer !== entry.consumer) {
        return this.deny(Denial.TokensConflict);
      }
    }
    const who = consumer!;
    const allow = config.allow;
    if (allow != null && !allow.has(who.name)) return this.deny(Denial.ConsumerNotAllowed);

    writeIdentity(headers, shared.identityHeaders, who, claimValues);
    if (!who.keepToken) {
      for (let i = 0; i < found.count; i++) removeToken(unchecked(found.sources[i]), headers, this.request);
    }
    m.allowed.increment();
    return Action.Continue;
  }

  /** Passes without a verified consumer: no identity header a client sent goes on. */
  private passAnonymous(headers: HeaderMap): Action {
    this.removeIdentity(headers);
    metrics().anonymous.increment();
    return Action.Continue;
  }

  private removeIdentity(headers: HeaderMap): void {
    const ids = this.config.consumers.identityHeaders;
    for (let i = 0; i < ids.length; i++) headers.remove(unchecked(ids[i]));
  }

  private deny(d: Denial): Action {
    // Nothing goes upstream; removed anyway so access logs never show a client's claimed identity.
    this.removeIdentity(requestHeaders);
    metrics().deny(d);
    const code = denialCode(d);
    const body = "{\"error\":\"" + code + "\",\"message\":\"" + denialMessage(d) + "\"}";
    const headers: HeaderPair[] = [new HeaderPair("content-type", "application/json")];
    if (d != Denial.ConsumerNotAllowed) {
      let challenge = "Bearer realm=\"" + realm(this.request.hostName()) + "\"";
      if (d != Denial.TokenMissing) challenge += ", error=\"invalid_token\"";
      headers.push(new HeaderPair("www-authenticate", challenge));
    }
    return this.respond(d == Denial.ConsumerNotAllowed ? 403 : 401, body, headers, "jwt-auth." + code);
  }
}

/**
 * The identity headers as the verification says: x-mse-consumer and `who`'s claims set (a set
 * replaces what a client sent), every other identity header removed. Removing only what is not
 * set saves a host call per header on every allowed request.
 */
function writeIdentity(headers: HeaderMap, ids: string[], who: Consumer, claimValues: Array<string | null>): void {
  if (!headers.set(CONSUMER_HEADER, who.name)) headers.remove(CONSUMER_HEADER); // names are checked at configure time
  const mapped = who.claimHeaders;
  for (let i = 1; i < ids.length; i++) { // ids[0] is x-mse-consumer
    const id = unchecked(ids[i]);
    let written = false;
    for (let k = 0; k < mapped.length && !written; k++) {
      if (unchecked(mapped[k]).header != id) continue;
      const value = unchecked(claimValues[k]);
      // A claim that is absent, or not a valid header value, leaves no header at all.
      written = value != null && headers.set(id, value);
    }
    if (!written) headers.remove(id);
  }
}

/** The host as the realm when it is a plain host name (it comes from the client: no quotes smuggled in). */
function realm(host: string | null): string {
  if (host == null || host.length == 0 || host.length > 253) return "gateway";
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x2d || c == 0x3a || c == 0x5b || c == 0x5d;
    if (!ok) return "gateway";
  }
  return host;
}

export * from "../../assembly/exports";
export { proxy_on_request_headers } from "../../assembly/stream-exports";
registerPlugin("jwt-auth", (): Plugin => new JwtAuthPlugin((config: Config): HttpFilter<Config> => new JwtAuth(config)));
