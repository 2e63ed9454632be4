// The public vocabulary of the sandbox: what you start it with, and what it tells you back.
import type { Logger } from '@cubebridge/core';

/** A user the sandbox creates at start, so a demo works with no sign-up. */
export interface SandboxUserSeed {
  /** Fixed id; by default ids count up from 1001 in seed order. */
  readonly id?: number;
  readonly login: string;
  readonly password: string;
  readonly fullName?: string;
  readonly email?: string;
}

/** `auto`: use the Debian `janus` binary when it is installed; `off`: no conferences; otherwise the path of a janus binary. */
export type JanusOption = 'auto' | 'off' | (string & {});

/** The subset of a pino logger the sandbox writes to (a pino logger fits). */
export type SandboxLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface SandboxOptions {
  /** Interface to listen on. Keep it on loopback: the SDK only does SASL PLAIN over ws:// to 127.0.0.1/localhost/::1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly appId?: number;
  readonly authKey?: string;
  /** Accepted for config compatibility; SDK 6.x signs nothing with it. */
  readonly authSecret?: string;
  readonly users?: readonly SandboxUserSeed[];
  readonly janus?: JanusOption;
  /**
   * Janus `nat.ice_enforce_list` (interface names or addresses). Janus never offers loopback candidates, so on a
   * machine (or network namespace) with only `lo`, give it an interface with an address, e.g. a veth carrying 127.0.0.2.
   */
  readonly janusIceInterfaces?: string;
  /** A folder served at `/softphone/` (the web softphone example), with the SDK's browser build at `/vendor/`. */
  readonly staticDir?: string;
  /** Session token lifetime in seconds (default two hours, as the real service). */
  readonly sessionTtlSeconds?: number;
  readonly logger?: SandboxLogger;
}

/** What `ConnectyCube.init(credentials, …)` takes. */
export interface SandboxCredentials {
  readonly appId: number;
  readonly authKey: string;
  readonly authSecret: string;
}

/** What `ConnectyCube.init(…, config)` takes to talk to this sandbox instead of the cloud. */
export interface SandboxSdkConfig {
  readonly endpoints: { readonly api_url: string; readonly chat: string; readonly chat_url: string };
  readonly chatProtocol: { readonly websocket: string };
  readonly conference?: { readonly server: string };
  readonly videochat: {
    readonly iceServers: readonly {
      readonly urls: string | readonly string[];
      readonly username?: string;
      readonly credential?: string;
    }[];
  };
  readonly debug: { readonly mode: number };
}

/** A user as the REST API returns it (snake_case, as ConnectyCube's). */
export interface PublicUser {
  readonly id: number;
  readonly login: string;
  readonly full_name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly website: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly last_request_at: string | null;
  readonly external_user_id: number | null;
  readonly external_id: string | null;
  readonly facebook_id: string | null;
  readonly twitter_id: string | null;
  readonly custom_data: string | null;
  readonly blob_id: number | null;
  readonly avatar: string | null;
  readonly user_tags: string | null;
  readonly timezone: number | null;
}

/** One online chat resource. */
export interface OnlineResource {
  readonly userId: number;
  readonly jid: string;
  readonly remote: string;
  readonly since: string;
}

/** The admin view (`GET /admin` and `sandbox.adminState()`): secrets are never in it. */
export interface AdminState {
  readonly appId: number;
  readonly users: readonly PublicUser[];
  readonly sessions: readonly {
    readonly id: number;
    /** The first characters only. */
    readonly token: string;
    readonly userId: number | null;
    readonly createdAt: string;
    readonly expiresAt: string;
  }[];
  readonly online: readonly OnlineResource[];
  readonly meetings: readonly Readonly<Record<string, unknown>>[];
  readonly conferences: 'on' | 'off';
}
