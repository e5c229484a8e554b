// Prints a JWT for the jwt-auth example (envoy-examples/jwt-auth/envoy.yaml), signed with the
// repository's TEST keys (test/fixtures/jwt-auth/test-only-private-keys.json: never trust them).
//   node --import tsx scripts/jwt-token.ts [orders-app|partner] [--alg ES256] [--ttl 3600] [--claim name=value ...]
// A claim value that parses as JSON is used as JSON (--claim level=3, --claim 'realm={"roles":["a"]}').
import { ALL_ALGS, ordersClaims, partnerClaims, mint, type Alg } from "../test/scenarios/jwt-auth.ts";

const args = process.argv.slice(2);
const consumer = args[0] && !args[0].startsWith("--") ? args.shift()! : "orders-app";
let alg: Alg = consumer === "partner" ? "HS256" : "ES256";
let ttl = 3600;
const extra: Record<string, unknown> = {};
for (let i = 0; i < args.length; i++) {
  const value = args[i + 1];
  if (args[i] === "--alg" && value && (ALL_ALGS as readonly string[]).includes(value)) alg = value as Alg;
  else if (args[i] === "--ttl" && value && /^\d+$/.test(value)) ttl = Number(value);
  else if (args[i] === "--claim" && value?.includes("=")) {
    const [name, ...rest] = value.split("=");
    const text = rest.join("=");
    try { extra[name] = JSON.parse(text); } catch { extra[name] = text; }
  } else {
    console.error(`usage: jwt-token.ts [orders-app|partner] [--alg ${ALL_ALGS.join("|")}] [--ttl seconds] [--claim name=value]`);
    process.exit(2);
  }
  i++;
}
if (consumer !== "orders-app" && consumer !== "partner") {
  console.error(`unknown consumer ${consumer}: orders-app or partner`);
  process.exit(2);
}
if ((consumer === "partner") !== alg.startsWith("HS")) {
  console.error(`${consumer} has no ${alg} key: orders-app signs with RS*/PS*/ES*/EdDSA, partner with HS*`);
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
const claims = (consumer === "partner" ? partnerClaims : ordersClaims)(now, { exp: now + ttl, ...extra });
console.log(await mint(alg, claims));
