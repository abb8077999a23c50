import type { Actor } from '../audit.ts';
import type { Principal, Scope } from '../auth/roles.ts';

// Every route declares who may call it (`scope`) and the audit action its change writes (`audit`,
// or false for reads). The server refuses to start with a route that omits either.
declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
    audit?: string | false;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** What a service needs to know about the caller: who, and how to trace the request. */
export interface ActionContext {
  actor: Actor;
  principal?: Principal;
  requestId?: string;
  ip?: string;
}
