// Deterministic xorshift32 generator for the in-Wasm fuzz loops (a failure replays exactly).
export class Xorshift {
  private state: u32;
  constructor(seed: u32) { this.state = seed != 0 ? seed : 1; }
  reseed(seed: u32): void { this.state = seed != 0 ? seed : 1; }
  next(): u32 {
    let x = this.state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.state = x;
    return x;
  }
  /** Integer in [0, n); 0 when n <= 0. */
  below(n: i32): i32 { return n <= 0 ? 0 : <i32>(this.next() % <u32>n); }
}
