// The bearer middleware, without a server: a stub fetch records each request.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createKeelClient } from "../src/index.js";

function recorder() {
  const seen = [];
  const fetch = async (request) => {
    seen.push(request);
    return new Response(JSON.stringify({ status: "ok" }), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { seen, fetch };
}

describe("createKeelClient", () => {
  it("sends no Authorization header without a token", async () => {
    const { seen, fetch } = recorder();
    const keel = createKeelClient("http://keel.test/", { fetch });
    await keel.GET("/health");
    assert.equal(seen[0].url, "http://keel.test/health");
    assert.equal(seen[0].headers.get("authorization"), null);
  });

  it("sends the initial token, then the one set later, then none once cleared", async () => {
    const { seen, fetch } = recorder();
    const keel = createKeelClient("http://keel.test", { fetch, token: "first" });
    await keel.GET("/api/v1/users/me");
    keel.setToken("second");
    await keel.GET("/api/v1/users/me");
    keel.setToken(null);
    await keel.GET("/api/v1/users/me");
    assert.deepEqual(
      seen.map((r) => r.headers.get("authorization")),
      ["Bearer first", "Bearer second", null],
    );
  });

  it("asks an async getToken per request", async () => {
    const { seen, fetch } = recorder();
    let n = 0;
    const keel = createKeelClient("http://keel.test", { fetch, getToken: async () => `t${++n}` });
    await keel.GET("/api/v1/users/me");
    await keel.GET("/api/v1/users/me");
    assert.deepEqual(seen.map((r) => r.headers.get("authorization")), ["Bearer t1", "Bearer t2"]);
  });

  it("keeps an Authorization header the caller set", async () => {
    const { seen, fetch } = recorder();
    const keel = createKeelClient("http://keel.test", { fetch, token: "mine" });
    await keel.GET("/api/v1/users/me", { headers: { Authorization: "Bearer other" } });
    assert.equal(seen[0].headers.get("authorization"), "Bearer other");
  });

  it("rejects a missing baseUrl", () => {
    assert.throws(() => createKeelClient(""), TypeError);
  });
});
