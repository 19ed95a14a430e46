// register → login → me → refresh against a live Keel at $KEEL_URL
// (scripts/client.sh test starts one). Run: KEEL_URL=http://127.0.0.1:8080 npm test
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";

import { createKeelClient } from "../src/index.js";

const KEEL_URL = process.env.KEEL_URL;

if (!KEEL_URL) {
  it("auth flow against a live Keel", () => {
    assert.fail("KEEL_URL is not set: start Keel and run KEEL_URL=http://127.0.0.1:8080 npm test (or scripts/client.sh test)");
  });
} else describe("auth flow against a live Keel", { concurrency: false }, () => {
  const email = `ts-client-${randomUUID()}@example.com`;
  const password = `pw-${randomUUID()}`;
  const name = "TS Client";
  const keel = createKeelClient(KEEL_URL);
  let userId;
  let pair;

  it("registers a new user: 201 with a token pair and the user", async () => {
    const { data, error, response } = await keel.POST("/api/v1/auth/register", {
      body: { email, password, name },
    });
    assert.equal(response.status, 201, JSON.stringify(error));
    assert.equal(data.user.email, email);
    assert.equal(data.user.name, name);
    assert.equal(data.user.role, "customer");
    assert.equal(data.user.is_active, true);
    assert.match(data.user.id, /^[0-9a-f-]{36}$/);
    assert.equal(data.token_type.toLowerCase(), "bearer");
    assert.ok(data.access_token.length > 0);
    assert.ok(data.refresh_token.length > 0);
    userId = data.user.id;
  });

  it("refuses a second registration with the same email: 409 problem", async () => {
    const { data, error, response } = await keel.POST("/api/v1/auth/register", {
      body: { email, password },
    });
    assert.equal(response.status, 409);
    assert.equal(data, undefined);
    assert.equal(error.status, 409);
    assert.equal(typeof error.detail, "string");
  });

  it("logs in: 200 with a token pair for the same user", async () => {
    const { data, error, response } = await keel.POST("/api/v1/auth/login", {
      body: { email, password },
    });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.equal(data.user.id, userId);
    assert.equal(data.user.email, email);
    assert.equal(data.token_type.toLowerCase(), "bearer");
    assert.ok(Number.isInteger(data.expires_in) && data.expires_in > 0);
    assert.ok(data.access_token.length > 0);
    assert.ok(data.refresh_token.length > 0);
    pair = data;
  });

  it("GET /users/me without a token: 401 problem", async () => {
    const { error, response } = await keel.GET("/api/v1/users/me");
    assert.equal(response.status, 401);
    assert.equal(error.status, 401);
  });

  it("GET /users/me with the bearer token: 200, the same user", async () => {
    keel.setToken(pair.access_token);
    const { data, error, response } = await keel.GET("/api/v1/users/me");
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.equal(data.id, userId);
    assert.equal(data.email, email);
    assert.equal(data.name, name);
    assert.equal(data.role, "customer");
    assert.ok(!Number.isNaN(Date.parse(data.created_at)));
  });

  it("refreshes: 200 with a new pair that works", async () => {
    const { data, error, response } = await keel.POST("/api/v1/auth/refresh", {
      body: { refresh_token: pair.refresh_token },
    });
    assert.equal(response.status, 200, JSON.stringify(error));
    assert.equal(data.user.id, userId);
    assert.ok(data.access_token.length > 0);
    assert.notEqual(data.refresh_token, pair.refresh_token);

    keel.setToken(data.access_token);
    const me = await keel.GET("/api/v1/users/me");
    assert.equal(me.response.status, 200, JSON.stringify(me.error));
    assert.equal(me.data.id, userId);
  });

  it("refuses to spend the old refresh token twice: 401 problem", async () => {
    const { error, response } = await keel.POST("/api/v1/auth/refresh", {
      body: { refresh_token: pair.refresh_token },
    });
    assert.equal(response.status, 401);
    assert.equal(error.status, 401);
  });
});
