// The configuration examples of Higress's own plugin READMEs, verbatim as the JSON their YAML
// becomes (numbers stay numbers, as Higress delivers them), and what those READMEs say they do.
// The emulator (test/emulator/higress-examples.test.ts) and a real Envoy
// (test/envoy/higress-examples.test.ts, test/envoy/fixtures/higress-examples.yaml) run them unchanged:
// key-rate-limit's on local-rate-limit.wasm, traffic-tag's on tenant-gray.wasm.
// Read from alibaba/higress (README.md and README_EN.md carry the same examples).

/**
 * plugins/wasm-cpp/extensions/key_rate_limit/README.md, "识别请求参数 apikey，进行区别限流"
 * (README_EN.md "Use query parameter `apikey` for rate-limiting").
 */
export const KEY_RATE_LIMIT_BY_PARAM = {
  limit_by_param: "apikey",
  limit_keys: [
    { key: "9a342114-ba8a-11ec-b1bf-00163e1250b5", query_per_second: 10 },
    { key: "a6a6d7f2-ba8a-11ec-bec2-00163e1250b5", query_per_minute: 100 },
  ],
};

/**
 * plugins/wasm-cpp/extensions/key_rate_limit/README.md, "识别请求头 x-ca-key，进行区别限流"
 * (README_EN.md "Use HTTP header parameter `x-ca-key` for rate-limiting"). The keys are YAML
 * numbers, so JSON numbers.
 */
export const KEY_RATE_LIMIT_BY_HEADER = {
  limit_by_header: "x-ca-key",
  limit_keys: [
    { key: 102234, query_per_second: 10 },
    { key: 308239, query_per_hour: 10 },
  ],
};

/**
 * plugins/wasm-cpp/extensions/key_rate_limit/README.md, "对特定路由或域名开启"
 * (README_EN.md "Enable rate-limiting for specific routes or domains").
 */
export const KEY_RATE_LIMIT_RULES = {
  _rules_: [
    {
      _match_route_: ["route-a", "route-b"],
      limit_by_header: "x-ca-key",
      limit_keys: [{ key: 102234, query_per_second: 10 }],
    },
    {
      _match_domain_: ["*.example.com", "test.com"],
      limit_by_header: "x-ca-key",
      limit_keys: [{ key: 102234, query_per_second: 100 }],
    },
  ],
};

/** Higress key-rate-limit's rejection: 429 with this body (plugin.cc tooManyRequest). */
export const HIGRESS_REJECTION_BODY = "rate_limited";

/**
 * plugins/wasm-go/extensions/traffic-tag/README.md "例1: 基于内容的匹配" (README_EN.md "Example 1:
 * Content-based Matching"): `role` is user, viewer or editor AND `foo=bar` gives x-mse-tag: gray;
 * anything else gets the default x-mse-tag: base.
 */
export const TRAFFIC_TAG_CONTENT = {
  defaultTagKey: "x-mse-tag",
  defaultTagVal: "base",
  conditionGroups: [
    {
      headerName: "x-mse-tag",
      headerValue: "gray",
      logic: "and",
      conditions: [
        { conditionType: "header", key: "role", operator: "in", value: ["user", "viewer", "editor"] },
        { conditionType: "parameter", key: "foo", operator: "equal", value: ["bar"] },
      ],
    },
  ],
};

/**
 * plugins/wasm-go/extensions/traffic-tag/README.md "例子2: 基于权重的匹配" (README_EN.md "Example 2:
 * Weight-based Matching"): 30% x-mse-tag: gray, 30% x-mse-tag: blue, 40% no header.
 */
export const TRAFFIC_TAG_WEIGHTS = {
  weightGroups: [
    { headerName: "x-mse-tag", headerValue: "gray", weight: 30 },
    { headerName: "x-mse-tag", headerValue: "blue", weight: 30 },
  ],
};

/** Content-based example: [request headers, query, the x-mse-tag the README says the request gets]. */
export const TRAFFIC_TAG_CONTENT_CASES: [Record<string, string>, string, string][] = [
  [{ role: "user" }, "?foo=bar", "gray"],
  [{ role: "viewer" }, "?a=1&foo=bar", "gray"],
  [{ role: "editor" }, "?foo=bar", "gray"],
  [{ role: "admin" }, "?foo=bar", "base"],
  [{ role: "user" }, "?foo=baz", "base"],
  [{ role: "user" }, "", "base"],
  [{}, "?foo=bar", "base"],
  [{}, "", "base"],
];
