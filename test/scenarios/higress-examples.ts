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

// ---- cluster-key-rate-limit (Go, Redis): run on global-rate-limit.wasm ---------------------------
// plugins/wasm-go/extensions/cluster-key-rate-limit/README_EN.md "Configuration Examples" (README.md
// carries the same), verbatim: `redis` included, keys that are YAML numbers as JSON numbers.
// global-rate-limit counts in the Rate Limit Service instead of Higress's Redis: it refuses `redis`
// and needs `cluster` and `domain` (withRls).

const REDIS = { service_name: "redis.static" };

/** "Global Rate Limiting for an Entire Route". */
export const CLUSTER_KEY_RATE_LIMIT_GLOBAL = {
  rule_name: "routeA-global-limit-rule",
  global_threshold: { query_per_minute: 1000 },
  redis: REDIS,
  show_limit_quota_header: true,
};

/** "Rate Limiting by Request Parameter `apikey`". */
export const CLUSTER_KEY_RATE_LIMIT_BY_PARAM = {
  rule_name: "routeA-request-param-limit-rule",
  rule_items: [
    { limit_by_param: "apikey", limit_keys: [
      { key: "9a342114-ba8a-11ec-b1bf-00163e1250b5", query_per_minute: 10 },
      { key: "a6a6d7f2-ba8a-11ec-bec2-00163e1250b5", query_per_hour: 100 },
    ] },
    { limit_by_per_param: "apikey", limit_keys: [
      { key: "regexp:^a.*", query_per_second: 10 },
      { key: "regexp:^b.*", query_per_minute: 100 },
      { key: "*", query_per_hour: 1000 },
    ] },
  ],
  redis: REDIS,
  show_limit_quota_header: true,
};

/** "Rate Limiting by Request Header `x-ca-key`". */
export const CLUSTER_KEY_RATE_LIMIT_BY_HEADER = {
  rule_name: "routeA-request-header-limit-rule",
  rule_items: [
    { limit_by_header: "x-ca-key", limit_keys: [
      { key: 102234, query_per_minute: 10 },
      { key: 308239, query_per_hour: 10 },
    ] },
    { limit_by_per_header: "x-ca-key", limit_keys: [
      { key: "regexp:^a.*", query_per_second: 10 },
      { key: "regexp:^b.*", query_per_minute: 100 },
      { key: "*", query_per_hour: 1000 },
    ] },
  ],
  redis: REDIS,
  show_limit_quota_header: true,
};

/** "Rate Limiting by Client IP Extracted from `x-forwarded-for` Header". */
export const CLUSTER_KEY_RATE_LIMIT_BY_IP = {
  rule_name: "routeA-client-ip-limit-rule",
  rule_items: [
    { limit_by_per_ip: "from-header-x-forwarded-for", limit_keys: [
      { key: "1.1.1.1", query_per_day: 10 },
      { key: "1.1.1.0/24", query_per_day: 100 },
      { key: "0.0.0.0/0", query_per_day: 1000 },
    ] },
  ],
  redis: REDIS,
  show_limit_quota_header: true,
};

/** "Rate Limiting by Consumer". */
export const CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER = {
  rule_name: "routeA-consumer-limit-rule",
  rule_items: [
    { limit_by_consumer: "", limit_keys: [
      { key: "consumer1", query_per_second: 10 },
      { key: "consumer2", query_per_hour: 100 },
    ] },
    { limit_by_per_consumer: "", limit_keys: [
      { key: "regexp:^a.*", query_per_second: 10 },
      { key: "regexp:^b.*", query_per_minute: 100 },
      { key: "*", query_per_hour: 1000 },
    ] },
  ],
  redis: REDIS,
  show_limit_quota_header: true,
};

/** "Rate Limiting by Cookie Value" (a JSON rejection with status 200). */
export const CLUSTER_KEY_RATE_LIMIT_BY_COOKIE = {
  rule_name: "routeA-cookie-limit-rule",
  rule_items: [
    { limit_by_cookie: "key1", limit_keys: [
      { key: "value1", query_per_minute: 10 },
      { key: "value2", query_per_hour: 100 },
    ] },
    { limit_by_per_cookie: "key1", limit_keys: [
      { key: "regexp:^a.*", query_per_second: 10 },
      { key: "regexp:^b.*", query_per_minute: 100 },
      { key: "*", query_per_hour: 1000 },
    ] },
  ],
  rejected_code: 200,
  rejected_msg: '{"code":-1,"msg":"Too many requests"}',
  redis: REDIS,
  show_limit_quota_header: true,
};

/** A cluster-key-rate-limit example for global-rate-limit: without `redis`, with the Rate Limit Service's cluster and domain. */
export function withRls(example: object, cluster = "rls", domain = "gateway"): object {
  const { redis: _redis, ...rest } = example as Record<string, unknown>;
  return { cluster, domain, ...rest };
}
