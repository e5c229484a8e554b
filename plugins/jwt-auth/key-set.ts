// The verification keys of a consumer: configured once (`jwks`), or fetched and refreshed
// (`remote_jwks`, remote-jwks.ts). `generation` changes whenever the keys do, so a cached
// verification made with keys that are gone is not trusted.

import { Jwk } from "../../assembly/crypto/jwk";

export class KeySet {
  keys: Jwk[] = [];
  generation: u32 = 1;

  /** The keys may be used at `nowSeconds` (a remote set may not be fetched yet, or be too old). */
  usable(nowSeconds: f64): bool { return true; }

  /**
   * Called when the keys are not usable, or have no key for a token's kid: starts a fetch if one
   * is due and says whether the request should wait for it. A configured set never fetches.
   */
  fetchFor(nowSeconds: f64, unknownKid: bool): bool { return false; }

  /** Wakes stream `contextId` when the fetch fetchFor started is over. */
  addWaiter(contextId: u32, nowSeconds: f64): void {}
}
