// A small regular-expression matcher for configuration patterns (e.g. rate-limit keys
// "regexp:^vip-[0-9]+$"), safe on hostile input: patterns are compiled once to a Thompson NFA
// and run as a Pike VM over a set of NFA states, so a match costs O(input length x program
// size) whatever the pattern or input (no backtracking, no exponential blow-up). Nothing here
// aborts: compile() reports errors with an offset, test() only answers true or false.
//
// Supported syntax (a subset of RE2/Go and JavaScript that means the same in both):
//   literals            any character except the metacharacters  \ . ^ $ * + ? ( ) [ ] { } |
//   .                   any character except "\n" (RE2; JavaScript also excludes \r, U+2028, U+2029)
//   [abc] [a-z] [^...]  character classes; inside them \d \w \s, escapes, and "-" first or last;
//                       a literal "]" or "[" must be escaped ("[]" is an error, not an empty class)
//   \d \D \w \W \s \S   ASCII digit, word [0-9A-Za-z_], whitespace [ \t\n\r\f\v] (and negations;
//                       JavaScript's \s also matches Unicode spaces)
//   \t \n \r \f \v      control characters; \xHH and \uHHHH code units
//   \. \\ \* ...        any punctuation character escaped stands for itself
//   ^ $                 start and end of the whole input (no multi-line mode)
//   * + ? {n} {n,} {n,m}  greedy or lazy (a trailing ?; the same for a yes/no match), n, m <= 100
//   a|b  (...)  (?:...)  alternation and groups (nothing is captured)
// Not supported (compile error): backreferences, lookaround, \b \B, flags such as (?i), named
// groups, Unicode classes \p{...}, possessive quantifiers, a "{" that is not a quantifier.
// A pattern matches anywhere in the input unless anchored with ^ / $ (like RE2's MatchString and
// JavaScript's RegExp.test). Matching works on UTF-16 code units, as JavaScript without the u flag.
// Limits: pattern <= 1024 characters, nesting depth <= 32, program <= 2048 instructions; inputs
// longer than REGEX_MAX_INPUT code units never match (the caller decides what that means).

export const REGEX_MAX_PATTERN: i32 = 1024;
export const REGEX_MAX_PROGRAM: i32 = 2048;
export const REGEX_MAX_INPUT: i32 = 4096;
const MAX_DEPTH: i32 = 32;
const MAX_REPEAT: i32 = 100;

// Program instructions.
const OP_CHAR: u8 = 0;   // a = code unit
const OP_ANY: u8 = 1;    // any but \n
const OP_CLASS: u8 = 2;  // a = class index
const OP_SPLIT: u8 = 3;  // a, b = next pcs
const OP_JMP: u8 = 4;    // a = next pc
const OP_BOL: u8 = 5;
const OP_EOL: u8 = 6;
const OP_MATCH: u8 = 7;

// Syntax tree node kinds.
const N_EMPTY: i32 = 0;
const N_CHAR: i32 = 1;
const N_ANY: i32 = 2;
const N_CLASS: i32 = 3;
const N_BOL: i32 = 4;
const N_EOL: i32 = 5;
const N_CONCAT: i32 = 6;
const N_ALT: i32 = 7;
const N_REPEAT: i32 = 8;

class Node {
  kind: i32;
  value: i32 = 0;          // N_CHAR: code unit; N_CLASS: class index
  min: i32 = 0;            // N_REPEAT
  max: i32 = 0;            // N_REPEAT, -1 = unbounded
  children: Array<Node> | null = null;
  constructor(kind: i32) { this.kind = kind; }
}

/** A set of code-unit ranges, optionally negated. */
class CharClass {
  ranges: Array<i32> = new Array<i32>(); // lo, hi pairs (inclusive)
  negated: bool = false;

  add(lo: i32, hi: i32): void { this.ranges.push(lo); this.ranges.push(hi); }

  matches(c: i32): bool {
    const r = this.ranges;
    let hit = false;
    for (let i = 0; i + 1 < r.length; i += 2) {
      if (c >= unchecked(r[i]) && c <= unchecked(r[i + 1])) { hit = true; break; }
    }
    return hit != this.negated;
  }
}

function addDigit(k: CharClass): void { k.add(48, 57); }
function addWord(k: CharClass): void { k.add(48, 57); k.add(65, 90); k.add(95, 95); k.add(97, 122); }
function addSpace(k: CharClass): void { k.add(9, 13); k.add(32, 32); }

/** Result of Regex.compile: the regex, or an error message with the pattern offset. */
export class RegexResult {
  regex: Regex | null = null;
  error: string = "";
  offset: i32 = 0;
  get ok(): bool { return this.regex != null; }
}

class Parser {
  pos: i32 = 0;
  error: string = "";
  errorAt: i32 = 0;
  classes: Array<CharClass> = new Array<CharClass>();
  constructor(public src: string) {}

  get failed(): bool { return this.error.length > 0; }
  fail(message: string, at: i32): Node {
    if (!this.failed) { this.error = message; this.errorAt = at; }
    return new Node(N_EMPTY);
  }
  get atEnd(): bool { return this.pos >= this.src.length; }
  peek(): i32 { return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1; }

  parseAlt(depth: i32): Node {
    if (depth > MAX_DEPTH) return this.fail("groups nested too deeply (max " + MAX_DEPTH.toString() + ")", this.pos);
    const first = this.parseConcat(depth);
    if (this.peek() != 124 /* | */) return first;
    const alt = new Node(N_ALT);
    const kids = new Array<Node>();
    kids.push(first);
    while (!this.failed && this.peek() == 124) {
      this.pos++;
      kids.push(this.parseConcat(depth));
    }
    alt.children = kids;
    return alt;
  }

  parseConcat(depth: i32): Node {
    const kids = new Array<Node>();
    while (!this.failed && !this.atEnd) {
      const c = this.peek();
      if (c == 124 || c == 41) break; // | )
      const atom = this.parseAtom(depth);
      if (this.failed) break;
      kids.push(this.parseQuantifiers(atom));
    }
    if (kids.length == 0) return new Node(N_EMPTY);
    if (kids.length == 1) return unchecked(kids[0]);
    const n = new Node(N_CONCAT);
    n.children = kids;
    return n;
  }

  parseQuantifiers(atom: Node): Node {
    if (this.failed) return atom;
    const c = this.peek();
    let min = -1;
    let max = -1;
    const start = this.pos;
    if (c == 42) { min = 0; max = -1; this.pos++; }           // *
    else if (c == 43) { min = 1; max = -1; this.pos++; }      // +
    else if (c == 63) { min = 0; max = 1; this.pos++; }       // ?
    else if (c == 123) {                                      // {
      this.pos++;
      min = this.parseNumber();
      if (min < 0) return this.fail("'{' must start a quantifier {n}, {n,} or {n,m} (escape a literal brace as \\{)", start);
      max = min;
      if (this.peek() == 44) {                                // ,
        this.pos++;
        if (this.peek() == 125) max = -1;
        else {
          max = this.parseNumber();
          if (max < 0) return this.fail("bad quantifier (expected {n}, {n,} or {n,m})", start);
        }
      }
      if (this.peek() != 125) return this.fail("bad quantifier (expected {n}, {n,} or {n,m})", start);
      this.pos++;
      if (min > MAX_REPEAT || max > MAX_REPEAT) return this.fail("repeat count above " + MAX_REPEAT.toString(), start);
      if (max >= 0 && max < min) return this.fail("bad quantifier: {n,m} with m < n", start);
    } else {
      return atom;
    }
    if (atom.kind == N_BOL || atom.kind == N_EOL) return this.fail("nothing to repeat", start);
    if (this.peek() == 63) this.pos++; // lazy: same yes/no answer
    const next = this.peek();
    if (next == 42 || next == 43 || next == 63 || next == 123) return this.fail("nothing to repeat (double quantifier)", this.pos);
    const rep = new Node(N_REPEAT);
    rep.min = min;
    rep.max = max;
    const kids = new Array<Node>();
    kids.push(atom);
    rep.children = kids;
    return rep;
  }

  /** Decimal number of at most 4 digits, or -1. */
  parseNumber(): i32 {
    let n = 0;
    let digits = 0;
    while (!this.atEnd) {
      const c = this.peek();
      if (c < 48 || c > 57) break;
      if (digits == 4) return -1;
      n = n * 10 + (c - 48);
      digits++;
      this.pos++;
    }
    return digits == 0 ? -1 : n;
  }

  parseAtom(depth: i32): Node {
    const start = this.pos;
    const c = this.peek();
    this.pos++;
    if (c == 46) return new Node(N_ANY);                      // .
    if (c == 94) return new Node(N_BOL);                      // ^
    if (c == 36) return new Node(N_EOL);                      // $
    if (c == 40) {                                            // (
      if (this.peek() == 63) {                                // (?
        if (this.pos + 1 < this.src.length && this.src.charCodeAt(this.pos + 1) == 58) this.pos += 2; // (?:
        else return this.fail("only (?:...) groups are supported (no flags, lookaround or named groups)", start);
      }
      const inner = this.parseAlt(depth + 1);
      if (this.failed) return inner;
      if (this.peek() != 41) return this.fail("missing )", start);
      this.pos++;
      return inner;
    }
    if (c == 41) return this.fail("unmatched )", start);
    if (c == 91) return this.parseClass(start);               // [
    if (c == 93) return this.fail("unmatched ] (escape it as \\])", start);
    if (c == 42 || c == 43 || c == 63 || c == 123) return this.fail("nothing to repeat", start);
    if (c == 125) return this.fail("unmatched } (escape it as \\})", start);
    if (c == 92) return this.parseEscape(start);              // backslash
    const n = new Node(N_CHAR);
    n.value = c;
    return n;
  }

  /** After a backslash outside a class. */
  parseEscape(start: i32): Node {
    if (this.atEnd) return this.fail("trailing backslash", start);
    const c = this.peek();
    if (c == 100 || c == 68 || c == 119 || c == 87 || c == 115 || c == 83) { // d D w W s S
      this.pos++;
      const k = new CharClass();
      if (c == 100 || c == 68) addDigit(k);
      else if (c == 119 || c == 87) addWord(k);
      else addSpace(k);
      k.negated = c == 68 || c == 87 || c == 83;
      const n = new Node(N_CLASS);
      n.value = this.classes.length;
      this.classes.push(k);
      return n;
    }
    const unit = this.escapedUnit(start);
    if (this.failed) return new Node(N_EMPTY);
    const n = new Node(N_CHAR);
    n.value = unit;
    return n;
  }

  /** A single code unit after a backslash (control escapes, \x, \u, punctuation), or fails. */
  escapedUnit(start: i32): i32 {
    const c = this.peek();
    this.pos++;
    if (c == 116) return 9;   // t
    if (c == 110) return 10;  // n
    if (c == 114) return 13;  // r
    if (c == 102) return 12;  // f
    if (c == 118) return 11;  // v
    if (c == 120) return this.hexUnits(2, start); // x
    if (c == 117) return this.hexUnits(4, start); // u
    // Punctuation stands for itself; letters and digits would be classes/backreferences elsewhere.
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return c;
    this.fail("unsupported escape \\" + String.fromCharCode(c), start);
    return 0;
  }

  hexUnits(count: i32, start: i32): i32 {
    let v = 0;
    for (let i = 0; i < count; i++) {
      const c = this.peek();
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 65 && c <= 70) d = c - 55;
      else if (c >= 97 && c <= 102) d = c - 87;
      if (d < 0) { this.fail("bad hex escape", start); return 0; }
      v = v * 16 + d;
      this.pos++;
    }
    return v;
  }

  parseClass(start: i32): Node {
    const k = new CharClass();
    if (this.peek() == 94) { k.negated = true; this.pos++; }
    let first = true;
    for (;;) {
      if (this.atEnd) return this.fail("missing ]", start);
      const c = this.peek();
      if (c == 93) {
        if (first) return this.fail("empty class (escape a literal ] as \\])", start);
        this.pos++;
        break;
      }
      first = false;
      const itemAt = this.pos;
      // One item: a class escape, or a unit possibly starting a range.
      let lo: i32;
      if (c == 92) {
        this.pos++;
        if (this.atEnd) return this.fail("trailing backslash", itemAt);
        const e = this.peek();
        if (e == 100) { this.pos++; addDigit(k); continue; }
        if (e == 119) { this.pos++; addWord(k); continue; }
        if (e == 115) { this.pos++; addSpace(k); continue; }
        if (e == 68 || e == 87 || e == 83) return this.fail("\\D, \\W and \\S are not supported inside [...]", itemAt);
        lo = this.escapedUnit(itemAt);
        if (this.failed) return new Node(N_EMPTY);
      } else if (c == 91) {
        return this.fail("'[' inside a class must be escaped (\\[)", itemAt);
      } else {
        lo = c;
        this.pos++;
      }
      let hi = lo;
      // A range a-b (a "-" right before "]" is a literal).
      if (this.peek() == 45 && this.pos + 1 < this.src.length && this.src.charCodeAt(this.pos + 1) != 93) {
        this.pos++;
        const h = this.peek();
        if (h == 92) {
          this.pos++;
          if (this.atEnd) return this.fail("trailing backslash", this.pos);
          const e = this.peek();
          if (e == 100 || e == 119 || e == 115 || e == 68 || e == 87 || e == 83) return this.fail("a class escape cannot end a range", itemAt);
          hi = this.escapedUnit(itemAt);
          if (this.failed) return new Node(N_EMPTY);
        } else if (h == 91) {
          return this.fail("'[' inside a class must be escaped (\\[)", this.pos);
        } else {
          hi = h;
          this.pos++;
        }
        if (hi < lo) return this.fail("bad range in class (end before start)", itemAt);
      }
      k.add(lo, hi);
    }
    const n = new Node(N_CLASS);
    n.value = this.classes.length;
    this.classes.push(k);
    return n;
  }
}

/** Sparse set of program counters (Briggs & Torczon): O(1) add, membership and clear. */
class PcSet {
  dense: StaticArray<i32>;
  sparse: StaticArray<i32>;
  count: i32 = 0;
  constructor(size: i32) {
    this.dense = new StaticArray<i32>(size);
    this.sparse = new StaticArray<i32>(size);
  }
  has(pc: i32): bool {
    const s = unchecked(this.sparse[pc]);
    return s < this.count && unchecked(this.dense[s]) == pc;
  }
  add(pc: i32): void {
    unchecked(this.sparse[pc] = this.count);
    unchecked(this.dense[this.count] = pc);
    this.count++;
  }
}

export class Regex {
  private op: StaticArray<u8>;
  private a: StaticArray<i32>;
  private b: StaticArray<i32>;
  private classes: Array<CharClass>;
  private size: i32;
  /** True when the program must match at offset 0 (pattern begins with ^ on every path). */
  private anchored: bool;
  private cur: PcSet;
  private nxt: PcSet;
  private stack: StaticArray<i32>;
  private matched: bool = false;

  constructor(public readonly source: string, op: Array<u8>, a: Array<i32>, b: Array<i32>, classes: Array<CharClass>) {
    const n = op.length;
    const ops = new StaticArray<u8>(n);
    const as = new StaticArray<i32>(n);
    const bs = new StaticArray<i32>(n);
    for (let i = 0; i < n; i++) {
      unchecked(ops[i] = op[i]);
      unchecked(as[i] = a[i]);
      unchecked(bs[i] = b[i]);
    }
    this.op = ops;
    this.a = as;
    this.b = bs;
    this.size = n;
    this.classes = classes;
    this.anchored = n > 0 && unchecked(ops[0]) == OP_BOL;
    this.cur = new PcSet(n);
    this.nxt = new PcSet(n);
    this.stack = new StaticArray<i32>(2 * n + 2);
  }

  /** Compiles `pattern`; never aborts. */
  static compile(pattern: string): RegexResult {
    const result = new RegexResult();
    if (pattern.length > REGEX_MAX_PATTERN) {
      result.error = "pattern longer than " + REGEX_MAX_PATTERN.toString() + " characters";
      return result;
    }
    const p = new Parser(pattern);
    const tree = p.parseAlt(0);
    if (!p.failed && !p.atEnd) p.fail(p.peek() == 41 ? "unmatched )" : "unexpected character", p.pos);
    if (p.failed) {
      result.error = p.error;
      result.offset = p.errorAt;
      return result;
    }
    const e = new Emitter();
    e.emit(tree);
    e.push(OP_MATCH, 0, 0);
    if (e.overflow) {
      result.error = "pattern too complex (more than " + REGEX_MAX_PROGRAM.toString() + " instructions; reduce {n,m} repeats)";
      return result;
    }
    result.regex = new Regex(pattern, e.op, e.a, e.b, p.classes);
    return result;
  }

  /** Number of program instructions (for tests and limits). */
  get programSize(): i32 { return this.size; }

  /** True when the pattern matches somewhere in `s`. Inputs above REGEX_MAX_INPUT never match. */
  test(s: string): bool {
    const n = s.length;
    if (n > REGEX_MAX_INPUT) return false;
    let cur = this.cur;
    let nxt = this.nxt;
    cur.count = 0;
    this.matched = false;
    for (let pos = 0; pos <= n; pos++) {
      if (pos == 0 || !this.anchored) this.addThread(cur, 0, pos, n);
      if (this.matched) return true;
      if (pos == n || cur.count == 0) {
        if (this.anchored || pos == n) return false;
        continue;
      }
      const c = <i32>s.charCodeAt(pos);
      nxt.count = 0;
      for (let i = 0; i < cur.count; i++) {
        const pc = unchecked(cur.dense[i]);
        const o = unchecked(this.op[pc]);
        let ok = false;
        if (o == OP_CHAR) ok = unchecked(this.a[pc]) == c;
        else if (o == OP_ANY) ok = c != 10;
        else if (o == OP_CLASS) ok = unchecked(this.classes[unchecked(this.a[pc])]).matches(c);
        if (ok) this.addThread(nxt, pc + 1, pos + 1, n);
      }
      if (this.matched) return true;
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    return false;
  }

  /** Adds `start` and everything reachable from it without consuming input. */
  private addThread(set: PcSet, start: i32, pos: i32, n: i32): void {
    const stack = this.stack;
    let sp = 0;
    unchecked(stack[sp++] = start);
    while (sp > 0) {
      const pc = unchecked(stack[--sp]);
      if (set.has(pc)) continue;
      set.add(pc);
      const o = unchecked(this.op[pc]);
      if (o == OP_JMP) {
        unchecked(stack[sp++] = unchecked(this.a[pc]));
      } else if (o == OP_SPLIT) {
        unchecked(stack[sp++] = unchecked(this.b[pc]));
        unchecked(stack[sp++] = unchecked(this.a[pc]));
      } else if (o == OP_BOL) {
        if (pos == 0) unchecked(stack[sp++] = pc + 1);
      } else if (o == OP_EOL) {
        if (pos == n) unchecked(stack[sp++] = pc + 1);
      } else if (o == OP_MATCH) {
        this.matched = true;
      }
    }
  }
}

/** Thompson construction from the syntax tree. */
class Emitter {
  op: Array<u8> = new Array<u8>();
  a: Array<i32> = new Array<i32>();
  b: Array<i32> = new Array<i32>();
  overflow: bool = false;

  get pc(): i32 { return this.op.length; }

  push(o: u8, x: i32, y: i32): i32 {
    const at = this.op.length;
    if (at >= REGEX_MAX_PROGRAM) {
      this.overflow = true;
      return at > 0 ? at - 1 : 0;
    }
    this.op.push(o);
    this.a.push(x);
    this.b.push(y);
    return at;
  }

  /** Drops every instruction from `at` on. */
  truncate(at: i32): void {
    this.op.length = at;
    this.a.length = at;
    this.b.length = at;
  }

  setA(at: i32, v: i32): void { if (at < this.a.length) unchecked(this.a[at] = v); }
  setB(at: i32, v: i32): void { if (at < this.b.length) unchecked(this.b[at] = v); }

  emit(n: Node): void {
    if (this.overflow) return;
    const k = n.kind;
    if (k == N_EMPTY) return;
    if (k == N_CHAR) { this.push(OP_CHAR, n.value, 0); return; }
    if (k == N_ANY) { this.push(OP_ANY, 0, 0); return; }
    if (k == N_CLASS) { this.push(OP_CLASS, n.value, 0); return; }
    if (k == N_BOL) { this.push(OP_BOL, 0, 0); return; }
    if (k == N_EOL) { this.push(OP_EOL, 0, 0); return; }
    const kids = n.children;
    if (kids == null) return;
    if (k == N_CONCAT) {
      for (let i = 0; i < kids.length; i++) this.emit(unchecked(kids[i]));
      return;
    }
    if (k == N_ALT) {
      // SPLIT L1, next; L1: kid0; JMP end; next: SPLIT ... ; last kid; end:
      const jumps = new Array<i32>();
      for (let i = 0; i < kids.length - 1; i++) {
        const split = this.push(OP_SPLIT, 0, 0);
        this.setA(split, this.pc);
        this.emit(unchecked(kids[i]));
        jumps.push(this.push(OP_JMP, 0, 0));
        this.setB(split, this.pc);
      }
      this.emit(unchecked(kids[kids.length - 1]));
      const end = this.pc;
      for (let i = 0; i < jumps.length; i++) this.setA(unchecked(jumps[i]), end);
      return;
    }
    // N_REPEAT: x{min} then either x* or (max - min) optional copies.
    const child = unchecked(kids[0]);
    // A repeat of something that emits no instruction (e.g. "(?:){100}") is itself empty. Emitting
    // it copy by copy would multiply work per nesting level without ever reaching the program limit.
    const start = this.pc;
    this.emit(child);
    if (this.pc == start) return;
    this.truncate(start);
    for (let i = 0; i < n.min && !this.overflow; i++) this.emit(child);
    if (n.max < 0) {
      const loop = this.push(OP_SPLIT, 0, 0);
      this.setA(loop, this.pc);
      this.emit(child);
      this.push(OP_JMP, loop, 0);
      this.setB(loop, this.pc);
      return;
    }
    const splits = new Array<i32>();
    for (let i = n.min; i < n.max && !this.overflow; i++) {
      const split = this.push(OP_SPLIT, 0, 0);
      this.setA(split, this.pc);
      splits.push(split);
      this.emit(child);
    }
    const end = this.pc;
    for (let i = 0; i < splits.length; i++) this.setB(unchecked(splits[i]), end);
  }
}
