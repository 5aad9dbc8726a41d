import { readFileSync } from 'node:fs';
import { SignJWT, type JWTPayload } from 'jose';
import { waitFor } from '../wait-for';

/**
 * The authorization matrix of one service, run against the real server: every operator route
 * its OpenAPI document lists (so a new route cannot be forgotten) x tokens with no role,
 * viewer, operator and admin, plus tokens missing exp, sub or tenant and one living too long.
 * The expectations are the issue's, written here independently of libs/auth's table.
 */

/** One operation of the service's /docs-json that declares an action. */
export interface OperatorRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The OpenAPI path, e.g. `/v1/rules/{id}`; also the key of its recipe. */
  path: string;
  action: string;
}

/** A concrete request for a route, after whatever set-up it needs (e.g. a rule to delete). */
export interface RouteCall {
  path: string;
  body?: unknown;
}

/**
 * What a test expects of one route: the action it must declare (stated by the test, not read
 * from the service, so a route declaring a weaker action fails), and how to call it: `call`
 * runs before every token, so each write has its own target.
 */
export interface RouteRecipe {
  action: string;
  call: () => Promise<RouteCall>;
}

export type RoleName = 'none' | 'viewer' | 'operator' | 'admin';
export type BadToken = 'no-exp' | 'no-sub' | 'no-tenant' | 'too-long';

const READ = /:read$/;
/** Actions only admin holds (issue 18): keys and policies. */
const ADMIN_ONLY = new Set(['device-key:rotate', 'device-key:revoke', 'policy:write']);

export const routeKey = (route: Pick<OperatorRoute, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** Whether the issue lets a role perform an action. */
export function roleMayPerform(role: RoleName, action: string): boolean {
  if (role === 'none') return false;
  if (READ.test(action)) return true;
  if (role === 'viewer') return false;
  return role === 'admin' || !ADMIN_ONLY.has(action);
}

/** Operator tokens of one tenant, signed with the service's development secret. */
export class OperatorTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    readonly tenant: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(this.key);
  }

  private claims(roles: string[], sub: string): JWTPayload {
    const now = Math.floor(Date.now() / 1000);
    return { sub, tenant: this.tenant, roles, iat: now, exp: now + 3600 };
  }

  /** A valid token; `none` carries only an unknown role name (which grants nothing). */
  role(role: RoleName, sub = `${role}-it`): Promise<string> {
    return this.sign(this.claims(role === 'none' ? ['superuser'] : [role], sub));
  }

  bad(kind: BadToken): Promise<string> {
    const { exp, sub, tenant, ...rest } = this.claims(['admin'], 'admin-it');
    switch (kind) {
      case 'no-exp':
        return this.sign({ ...rest, sub, tenant });
      case 'no-sub':
        return this.sign({ ...rest, exp, tenant });
      case 'no-tenant':
        return this.sign({ ...rest, exp, sub });
      case 'too-long':
        return this.sign({ ...rest, sub, tenant, exp: rest.iat! + 25 * 3600 });
    }
  }
}

/** What a bad token must be answered with: 401, the code, and the claim at fault. */
export const BAD_TOKEN_ANSWERS: Record<BadToken, { code: string; claim: string }> = {
  'no-exp': { code: 'MISSING_CLAIM', claim: 'exp' },
  'no-sub': { code: 'MISSING_CLAIM', claim: 'sub' },
  'no-tenant': { code: 'MISSING_CLAIM', claim: 'tenant' },
  'too-long': { code: 'TOKEN_LIFETIME_TOO_LONG', claim: 'exp' },
};

interface OpenApiDocument {
  paths: Record<string, Record<string, { 'x-geopulse-action'?: string; description?: string }>>;
}

/**
 * Every `/v1` operation of the running service, with its declared action; throws naming the
 * operations that declare none (a route the guard would refuse and the matrix could not test).
 */
export async function operatorRoutes(baseUrl: string): Promise<OperatorRoute[]> {
  const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as OpenApiDocument;
  const routes: OperatorRoute[] = [];
  const undeclared: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(operations)) {
      const key = `${method.toUpperCase()} ${path}`;
      const action = operation['x-geopulse-action'];
      if (!action) undeclared.push(key);
      else if (!operation.description?.includes(`Requires \`${action}\``)) undeclared.push(`${key} (its description does not state ${action})`);
      else routes.push({ method: method.toUpperCase() as OperatorRoute['method'], path, action });
    }
  }
  if (undeclared.length > 0) throw new Error(`operations without a declared action: ${undeclared.join(', ')}`);
  return routes;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export async function callRoute(baseUrl: string, method: string, call: RouteCall, token: string): Promise<Answer> {
  const response = await fetch(`${baseUrl}${call.path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * Runs the matrix and returns one line per cell that differs from the issue's expectation
 * (an empty list is a pass). Writes allowed to a role must answer 2xx; reads allowed must not
 * answer 401/403 (their recipe may name a resource that has no data yet); refused cells must
 * answer 403 FORBIDDEN naming the action; bad tokens 401 naming the claim.
 */
export async function authorizationMismatches(options: {
  baseUrl: string;
  tokens: OperatorTokens;
  recipes: Record<string, RouteRecipe>;
}): Promise<string[]> {
  const routes = await operatorRoutes(options.baseUrl);
  const mismatches: string[] = routes.filter((r) => !options.recipes[routeKey(r)]).map((r) => `${routeKey(r)}: no recipe in this test`);
  for (const stale of Object.keys(options.recipes).filter((key) => !routes.some((r) => routeKey(r) === key))) mismatches.push(`${stale}: recipe for a route the service does not have`);
  const tokens = Object.fromEntries(await Promise.all((['none', 'viewer', 'operator', 'admin'] as const).map(async (role) => [role, await options.tokens.role(role)]))) as Record<RoleName, string>;
  const bad = Object.fromEntries(await Promise.all((Object.keys(BAD_TOKEN_ANSWERS) as BadToken[]).map(async (kind) => [kind, await options.tokens.bad(kind)]))) as Record<BadToken, string>;
  for (const route of routes) {
    const recipe = options.recipes[routeKey(route)];
    if (!recipe) continue;
    if (recipe.action !== route.action) {
      mismatches.push(`${routeKey(route)}: declares ${route.action}, expected ${recipe.action}`);
      continue;
    }
    for (const role of ['none', 'viewer', 'operator', 'admin'] as const) {
      const answer = await callRoute(options.baseUrl, route.method, await recipe.call(), tokens[role]);
      const allowed = roleMayPerform(role, route.action);
      const ok = allowed
        ? READ.test(route.action)
          ? answer.status !== 401 && answer.status !== 403 && answer.status < 500
          : answer.status >= 200 && answer.status < 300
        : answer.status === 403 && answer.body.code === 'FORBIDDEN' && answer.body.action === route.action;
      if (!ok) mismatches.push(`${routeKey(route)} as ${role}: expected ${allowed ? 'allowed' : `403 naming ${route.action}`}, got ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    const call = await recipe.call();
    for (const kind of Object.keys(bad) as BadToken[]) {
      const answer = await callRoute(options.baseUrl, route.method, call, bad[kind]);
      const expected = BAD_TOKEN_ANSWERS[kind];
      if (answer.status !== 401 || answer.body.code !== expected.code || answer.body.claim !== expected.claim) {
        mismatches.push(`${routeKey(route)} with ${kind}: expected 401 ${expected.code} naming ${expected.claim}, got ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
  }
  return mismatches;
}

export type AuditLine = Record<string, unknown>;

function readAuditLines(logPath: string): AuditLine[] {
  return readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"audit"'))
    .map((line) => JSON.parse(line) as AuditLine);
}

/**
 * The audit lines (`"msg":"audit"`) of a service's log once each of `expected` matches one
 * of them (the log is written asynchronously); fails after the deadline naming the missing.
 */
export async function auditLinesMatching(logPath: string, expected: Array<Partial<AuditLine>>, timeoutMs = 10_000): Promise<AuditLine[]> {
  const matches = (line: AuditLine, want: Partial<AuditLine>) => Object.entries(want).every(([k, v]) => line[k] === v);
  return waitFor(
    async () => {
      const lines = readAuditLines(logPath);
      const missing = expected.filter((want) => !lines.some((line) => matches(line, want)));
      if (missing.length > 0) throw new Error(`no audit line like ${JSON.stringify(missing[0])}`);
      return lines;
    },
    { timeoutMs, description: 'audit lines in the service log' },
  );
}
