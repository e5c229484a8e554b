import { ProtoReader, ProtoWriter, WireType } from "../../assembly/lib/protobuf";
import { Xorshift } from "./prng";

function hex(buf: ArrayBuffer): string {
  const b = Uint8Array.wrap(buf);
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

function fromHex(s: string): ArrayBuffer {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(s.substr(i * 2, 2), 16);
  return out.buffer;
}

describe("protobuf writer", () => {
  it("writes varints, strings and nested messages as protoc does", () => {
    // message { uint32 a = 1; string b = 2; Inner c = 3 { uint64 x = 1 } } with a=150, b="hi", c.x=1
    const w = new ProtoWriter(4);
    w.varint(1, 150).string(2, "hi").begin(3).varint(1, 1).end();
    expect(hex(w.toBuffer())).toBe("089601" + "12026869" + "1a020801");
  });

  it("skips proto3 defaults unless asked", () => {
    const w = new ProtoWriter();
    w.varint(1, 0).string(2, "").begin(3).end();
    expect(hex(w.toBuffer())).toBe("1a00");
    w.reset().varint(1, 0, true).string(2, "", true);
    expect(hex(w.toBuffer())).toBe("08001200");
  });

  it("moves a nested message whose length needs more than one byte", () => {
    const w = new ProtoWriter(8);
    w.begin(2).begin(1).string(1, "x".repeat(200)).end().end().varint(3, 7);
    const out = Uint8Array.wrap(w.toBuffer());
    // outer: tag 0x12, length 206 (0xce 0x01); inner: tag 0x0a, length 203 (0xcb 0x01); string: 0x0a 0xc8 0x01 + 200 bytes
    expect(out.length).toBe(3 + 3 + 3 + 200 + 2);
    expect(out[0]).toBe(0x12);
    expect(out[1]).toBe(0xce);
    expect(out[2]).toBe(0x01);
    expect(out[3]).toBe(0x0a);
    expect(out[4]).toBe(0xcb);
    expect(out[5]).toBe(0x01);
    expect(out[9]).toBe(0x78);
    expect(out[out.length - 2]).toBe(0x18);
    expect(out[out.length - 1]).toBe(7);
  });

  it("writes the largest varint in ten bytes", () => {
    expect(hex(new ProtoWriter().varint(1, u64.MAX_VALUE).toBuffer())).toBe("08ffffffffffffffffff01");
  });

  it("writes the bytes a string carries (escaped bytes stay bytes)", () => {
    const s = String.fromCharCodes([0x61, 0xdcff, 0xe9]);
    expect(hex(new ProtoWriter().string(1, s).toBuffer())).toBe("0a0461ffc3a9");
  });
});

describe("protobuf reader", () => {
  it("reads what the writer wrote", () => {
    const w = new ProtoWriter();
    w.varint(1, 2).begin(2).varint(1, 1).begin(2).varint(1, 10).varint(2, 2).end().varint(3, 9).end().string(5, "body");
    const r = ProtoReader.of(w.toBuffer());
    let code: u64 = 0;
    let remaining: u64 = 0;
    let limit: u64 = 0;
    let body = "";
    while (r.next()) {
      if (r.field == 1) code = r.varint();
      else if (r.field == 2) {
        const s = r.nested();
        while (s.next()) {
          if (s.field == 3) remaining = s.varint();
          else if (s.field == 2) {
            const l = s.nested();
            while (l.next()) if (l.field == 1) limit = l.varint();
          }
        }
      } else if (r.field == 5 && r.lengthDelimited()) body = String.UTF8.decodeUnsafe(r.valuePtr, r.valueSize);
    }
    expect(r.failed).toBe(false);
    expect(code).toBe(2);
    expect(remaining).toBe(9);
    expect(limit).toBe(10);
    expect(body).toBe("body");
  });

  it("skips fields it is not asked about, of every wire type", () => {
    // 1: fixed64, 2: fixed32, 3: unread varint, 4: unread bytes, 5: varint 42
    const r = ProtoReader.of(fromHex("09" + "0102030405060708" + "15" + "01020304" + "18ff01" + "2203616263" + "282a"));
    let last: u64 = 0;
    let fields = 0;
    while (r.next()) {
      fields++;
      if (r.field == 5) last = r.varint();
    }
    expect(r.failed).toBe(false);
    expect(fields).toBe(5);
    expect(last).toBe(42);
  });

  it("refuses malformed input without trapping", () => {
    const bad = [
      "08",                       // varint missing
      "0a05616263",               // length past the end
      "00",                       // field 0
      "0b",                       // group start (wire type 3)
      "0c",                       // group end (wire type 4)
      "0f",                       // wire type 7
      "08ffffffffffffffffff02",   // varint over 64 bits
      "08ffffffffffffffffffff01", // eleven-byte varint
      "09010203",                 // truncated fixed64
      "0a80808080808080808001",   // huge length
    ];
    for (let i = 0; i < bad.length; i++) {
      const r = ProtoReader.of(fromHex(bad[i]));
      while (r.next()) {
        if (r.wire == WireType.Length) r.nested();
        else r.varint();
      }
      expect(r.failed).toBe(true, bad[i]);
    }
  });

  it("reads a mismatched wire type as zero and goes on", () => {
    const r = ProtoReader.of(fromHex("0a0161" + "1005"));
    let a: u64 = 99;
    let b: u64 = 0;
    while (r.next()) {
      if (r.field == 1) a = r.varint();
      else b = r.varint();
    }
    expect(r.failed).toBe(false);
    expect(a).toBe(0);
    expect(b).toBe(5);
  });

  it("survives random and mutated bytes", () => {
    const rng = new Xorshift(0x5eed);
    const sample = new ProtoWriter().varint(1, 2).begin(2).varint(1, 1).begin(2).varint(1, 10).end().end().string(5, "body").toBuffer();
    for (let i = 0; i < 20000; i++) {
      let buf: ArrayBuffer;
      if (i % 2 == 0) {
        buf = new ArrayBuffer(rng.below(48));
        const b = Uint8Array.wrap(buf);
        for (let j = 0; j < b.length; j++) b[j] = <u8>rng.next();
      } else {
        buf = sample.slice(0);
        const b = Uint8Array.wrap(buf);
        b[rng.below(b.length)] = <u8>rng.next();
        if (rng.below(4) == 0) buf = buf.slice(0, rng.below(b.length));
      }
      walk(ProtoReader.of(buf), 0);
    }
    expect(true).toBe(true);
  });
});

function walk(r: ProtoReader, depth: i32): void {
  while (r.next()) {
    if (r.wire == WireType.Length && depth < 4) walk(r.nested(), depth + 1);
    else if (r.wire == WireType.Varint) r.varint();
  }
}
