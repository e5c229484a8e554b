// A YAML subset, enough for the Higress WasmPlugin manifests in envoy-examples/ (no YAML package in
// the dependencies): block maps and sequences, flow {..} and [..], quoted or bare scalars, literal
// block scalars (`key: |`, blank lines inside them are dropped), comments.

/** YAML subset of our manifests: block maps and sequences, flow {..} and [..], quoted or bare scalars, comments. */
export function parseYamlSubset(text: string): any {
  const lines = text.split("\n").map(stripComment).filter((l) => l.trim() !== "" && l.trim() !== "---")
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const block = (indent: number): any => (lines[i]!.text.startsWith("- ") ? seq(indent) : map(indent));
  function seq(indent: number): any[] {
    const out: any[] = [];
    while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith("- ")) {
      const rest = lines[i]!.text.slice(2);
      if (/^[A-Za-z_][\w-]*:( |$)/.test(rest)) {
        lines[i] = { indent: indent + 2, text: rest };
        out.push(map(indent + 2));
      } else {
        i++;
        out.push(flow(rest));
      }
    }
    return out;
  }
  function map(indent: number): Record<string, any> {
    const out: Record<string, any> = {};
    while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith("- ")) {
      const m = /^("[^"]*"|[^:]+):(?: (.*))?$/.exec(lines[i]!.text);
      if (!m) throw new Error(`cannot parse line: ${lines[i]!.text}`);
      i++;
      const key = m[1]!.startsWith('"') ? JSON.parse(m[1]!) : m[1]!;
      if (m[2] === "|" || m[2] === "|-") out[key] = blockScalar(indent, m[2] === "|");
      else if (m[2] !== undefined && m[2] !== "") out[key] = flow(m[2]);
      else if (i < lines.length && (lines[i]!.indent > indent || (lines[i]!.indent === indent && lines[i]!.text.startsWith("- ")))) out[key] = block(lines[i]!.indent);
      else out[key] = null;
    }
    return out;
  }
  /** A literal block scalar: the more-indented lines that follow, relative indentation kept. */
  function blockScalar(indent: number, keepNewline: boolean): string {
    const body: string[] = [];
    const base = i < lines.length ? lines[i]!.indent : 0;
    while (i < lines.length && lines[i]!.indent > indent) {
      body.push(" ".repeat(lines[i]!.indent - base) + lines[i]!.text);
      i++;
    }
    return body.join("\n") + (keepNewline ? "\n" : "");
  }
  return block(0);
}

function stripComment(line: string): string {
  let quote = "";
  for (let k = 0; k < line.length; k++) {
    const c = line[k]!;
    if (quote) { if (c === quote) quote = ""; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (k === 0 || /\s/.test(line[k - 1]!))) return line.slice(0, k);
  }
  return line;
}

/** A flow value: {..}, [..], "quoted", or a bare scalar. */
function flow(src: string): any {
  let p = 0;
  const ws = () => { while (p < src.length && src[p] === " ") p++; };
  const value = (): any => {
    ws();
    if (src[p] === "{") {
      p++;
      const o: Record<string, any> = {};
      for (ws(); src[p] !== "}"; ws()) {
        const k = scalar(true);
        ws();
        if (src[p++] !== ":") throw new Error(`expected ':' in ${src}`);
        o[k] = value();
        ws();
        if (src[p] === ",") p++;
      }
      p++;
      return o;
    }
    if (src[p] === "[") {
      p++;
      const a: any[] = [];
      for (ws(); src[p] !== "]"; ws()) {
        a.push(value());
        ws();
        if (src[p] === ",") p++;
      }
      p++;
      return a;
    }
    return scalar(false);
  };
  const scalar = (key: boolean): any => {
    ws();
    if (src[p] === '"') {
      const end = src.indexOf('"', p + 1);
      const s = JSON.parse(src.slice(p, end + 1));
      p = end + 1;
      return s;
    }
    const start = p;
    while (p < src.length && !",}]".includes(src[p]!) && !(key && src[p] === ":")) p++;
    const raw = src.slice(start, p).trim();
    if (key) return raw;
    if (raw === "true" || raw === "false") return raw === "true";
    if (raw === "null") return null;
    if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
    return raw;
  };
  const v = value();
  return v;
}
