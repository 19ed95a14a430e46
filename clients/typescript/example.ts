// Usage sketch, type-checked by `npm test` (tsc) against src/schema.d.ts: a
// field that leaves the API breaks this file. Run it with a TypeScript runner
// (tsx, or Node >= 22.18) against a live Keel.
import { createKeelClient, type Schemas } from "./src/index.js";

const keel = createKeelClient("http://127.0.0.1:8080");

// Bodies, paths and responses are typed from the OpenAPI document.
const registered = await keel.POST("/api/v1/auth/register", {
  body: { email: "ada@example.com", password: "correct horse battery", name: "Ada" },
});
if (registered.error) console.warn(`register: ${registered.error.status} ${registered.error.detail}`);

const login = await keel.POST("/api/v1/auth/login", {
  body: { email: "ada@example.com", password: "correct horse battery" },
});
if (login.error) throw new Error(`login failed: ${login.error.detail}`);
const pair: Schemas["TokenResponse"] = login.data;
console.log(`signed in as ${pair.user.email}; token lives ${pair.expires_in}s`);

// The bearer middleware sends the token on every following request.
keel.setToken(pair.access_token);
const me = await keel.GET("/api/v1/users/me");
if (me.data) console.log(`me: ${me.data.id} (${me.data.role === "admin" ? "admin" : me.data.role})`);

// Refresh tokens are single-use: keep the new pair.
const refreshed = await keel.POST("/api/v1/auth/refresh", {
  body: { refresh_token: pair.refresh_token },
});
if (refreshed.data) keel.setToken(refreshed.data.access_token);
