/**
 * Pure routing for the local HTTP listener: which definition a path belongs to, with route
 * parameters, and whether a request carries the function key. Like the Functions host, routes
 * match case-insensitively and `{name}` segments become `request.params`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { HttpFunctionDefinition } from '../../functions/definition';

export const ROUTE_PREFIX = 'api';

export type RouteDecision =
  | { kind: 'matched'; definition: HttpFunctionDefinition; params: Record<string, string> }
  | { kind: 'notFound' }
  | { kind: 'methodNotAllowed'; allow: string[] };

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchTemplate(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(t);
    let value: string;
    try {
      value = decodeURIComponent(actual[i]);
    } catch {
      return undefined;
    }
    if (param) params[param[1]] = value;
    else if (t.toLowerCase() !== value.toLowerCase()) return undefined;
  }
  return params;
}

export function routeRequest(
  definitions: HttpFunctionDefinition[],
  method: string,
  pathname: string,
): RouteDecision {
  const parts = segments(pathname);
  if (parts[0]?.toLowerCase() !== ROUTE_PREFIX) return { kind: 'notFound' };
  const rest = parts.slice(1);
  const allow = new Set<string>();
  for (const definition of definitions) {
    const params = matchTemplate(segments(definition.route), rest);
    if (!params) continue;
    const methods = definition.methods.map((m) => m.toUpperCase());
    if (methods.includes(method.toUpperCase())) return { kind: 'matched', definition, params };
    methods.forEach((m) => allow.add(m));
  }
  return allow.size > 0 ? { kind: 'methodNotAllowed', allow: [...allow] } : { kind: 'notFound' };
}

/** The key may come as the `x-functions-key` header or the `code` query parameter. */
export function hasValidFunctionKey(
  functionKey: string,
  header: string | undefined,
  code: string | null,
): boolean {
  const expected = Buffer.from(functionKey);
  return [header, code].some((candidate) => {
    if (!candidate) return false;
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
