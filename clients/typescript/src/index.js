// Keel's TypeScript client: openapi-fetch over the types that openapi-typescript
// generates into ./schema.d.ts. Plain ESM so that Node runs it without a build
// step; its types are in ./index.d.ts.
import createClient from "openapi-fetch";

/**
 * Middleware that sends `Authorization: Bearer <token>` on every request whose
 * caller did not set an Authorization header itself. `getToken` may be async;
 * when it yields nothing the request goes out without the header.
 */
export function bearerAuth(getToken) {
  return {
    async onRequest({ request }) {
      if (request.headers.has("authorization")) return undefined;
      const token = await getToken();
      if (!token) return undefined;
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

/**
 * A typed client for the Keel server at `baseUrl` (its origin, e.g.
 * `http://127.0.0.1:8080`: the paths in the schema carry `/api/v1`).
 *
 * `opts.token` is the initial access token, `opts.getToken` a callback that
 * supplies one per request (it wins over `token` and `setToken`); every other
 * option goes to openapi-fetch's `createClient` (fetch, headers, ...).
 */
export function createKeelClient(baseUrl, opts = {}) {
  if (typeof baseUrl !== "string" || baseUrl === "") {
    throw new TypeError("createKeelClient: baseUrl must be the server's URL, e.g. http://127.0.0.1:8080");
  }
  const { token: initialToken = null, getToken, ...clientOptions } = opts;
  let token = initialToken;
  const client = createClient({ ...clientOptions, baseUrl });
  client.use(bearerAuth(getToken ?? (() => token)));
  client.setToken = (next) => {
    token = next ?? null;
  };
  return client;
}
