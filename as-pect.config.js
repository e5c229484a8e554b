// as-pect runs the pure AssemblyScript unit tests (parsers, codecs, crypto).
// They use no host calls, so the tests are built without the WASI shim.
export default {
  entries: ["test/unit/**/*.spec.ts"],
  include: ["test/unit/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
