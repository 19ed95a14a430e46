// Types of ./index.js, written by hand; the API types come from ./schema.d.ts,
// which `npm run generate` regenerates from ../openapi.json.
import type { Client, ClientOptions, Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** The component schemas, e.g. `Schemas["TokenResponse"]`. */
export type Schemas = components["schemas"];

/** Supplies the access token for a request; nothing means no header. */
export type TokenSource = () => string | null | undefined | Promise<string | null | undefined>;

export interface KeelClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** The initial access token (replace it with `client.setToken`). */
  token?: string | null;
  /** Called before every request; wins over `token` and `setToken`. */
  getToken?: TokenSource;
}

export type KeelClient = Client<paths> & {
  /** Sets (or with `null`, clears) the access token sent as a bearer token. */
  setToken(token: string | null | undefined): void;
};

/** Sends `Authorization: Bearer <token>` unless the request already has an Authorization header. */
export declare function bearerAuth(getToken: TokenSource): Middleware;

/** A typed client for the Keel server at `baseUrl` (its origin: the paths carry `/api/v1`). */
export declare function createKeelClient(baseUrl: string, opts?: KeelClientOptions): KeelClient;
