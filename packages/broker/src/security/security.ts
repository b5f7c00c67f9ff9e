// One object per broker holding everything the per-call security layer needs.
import type { Metadata } from "@grpc/grpc-js";
import type { Logger } from "../logger.ts";
import type { MetadataStore } from "../storage/metadata-store.ts";
import { type AuthContext, Authenticator, type Principal } from "./authenticate.ts";
import { ClientBindings } from "./client-bindings.ts";
import type { ResolvedAuth } from "./options.ts";
import { type Permission, type Resource, SecurityStore } from "./rbac.ts";
import { type RuleContext, ruleFor } from "./rules.ts";

/** What a call was allowed as; `after` runs once its handler succeeded. */
export interface Admission {
  principal: Principal;
  after?: (response: Record<string, unknown>) => Promise<void> | void;
}

export class Security {
  readonly authenticator: Authenticator;
  readonly store: SecurityStore;
  readonly bindings: ClientBindings;

  constructor(
    readonly auth: ResolvedAuth,
    metadata: MetadataStore,
    subscriptionExists: (topic: string, subscription: string) => boolean,
    topicExists: (topic: string) => boolean,
    logger: Logger,
  ) {
    this.authenticator = new Authenticator(auth, logger);
    this.store = new SecurityStore(metadata, new Set(auth.mode === "tls" ? auth.superAdmins : []));
    this.bindings = new ClientBindings(metadata, subscriptionExists, topicExists);
  }

  /** Told every RBAC decision (the metrics exporter counts them, as upstream's authz counters). */
  onDecision: ((allowed: boolean, resource: Resource, permission: Permission) => void) | undefined;

  get enabled(): boolean {
    return this.auth.mode === "tls";
  }

  /**
   * Authenticates and authorizes one call to `path`; throws BrokerError UNAUTHENTICATED or
   * PERMISSION_DENIED. With auth mode none every call is anonymous and allowed.
   */
  admit(path: string, metadata: Metadata, peer: AuthContext, request: unknown): Admission {
    return this.admitAs(this.authenticator.authenticate(metadata, peer), path, request);
  }

  /**
   * Authorizes `request` as a call to `path` by an already authenticated principal: every
   * message of a stream (the publish stream checks each one as a SendMessage).
   */
  admitAs(principal: Principal, path: string, request: unknown): Admission {
    if (!this.enabled) return { principal };
    const rule = ruleFor(path);
    const req = (request ?? {}) as Record<string, unknown>;
    const ctx: RuleContext = {
      principal,
      privileged: this.store.isSuperAdmin(principal),
      bindings: this.bindings,
      authorize: (resource, permission) => this.authorize(principal, resource, permission),
    };
    if (rule.permission !== undefined && rule.resource !== undefined) {
      this.authorize(principal, rule.resource(req, ctx), rule.permission);
    }
    rule.check?.(req, ctx);
    const after = rule.after;
    return after ? { principal, after: (res) => after(req, res, ctx) } : { principal };
  }

  /** One RBAC check for an authenticated principal, told to {@link onDecision}. */
  authorize(principal: Principal, resource: Resource, permission: Permission): void {
    try {
      this.store.authorize(principal, resource, permission);
    } catch (err) {
      this.onDecision?.(false, resource, permission);
      throw err;
    }
    this.onDecision?.(true, resource, permission);
  }
}
