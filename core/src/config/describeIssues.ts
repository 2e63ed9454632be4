// Schema issues (zod's, or any Standard Schema validator's) as configuration issues: the full key path, what was
// found (secrets hidden), and for the two mistakes a config file invites a message that says how to fix them —
// an unknown key names the known key it most likely meant, a number in quotes says to drop the quotes.
import type { ConfigIssue } from '../errors.ts';
import type { StandardSchemaIssue, StandardSchemaV1 } from '../plugins/StandardSchema.ts';
import { closestKey } from './closestKey.ts';
import { isSecretKey, redacted } from './secrets.ts';

export interface IssueContext {
  /** The schema the issues came from: zod schemas are read for the keys known at a path. */
  readonly schema: StandardSchemaV1 | unknown;
  /** The value that was validated. */
  readonly input: unknown;
  /** Where that value sits in the configuration (`['sip']`, `['plugins', '1', '1']`). */
  readonly prefix?: readonly PropertyKey[];
  /** Keys the caller accepts at the schema's root besides the schema's own (a section's `adapter`). */
  readonly rootKeys?: readonly string[];
  /** Key path (`http.port`) → the environment variable it came from. */
  readonly environmentSources?: ReadonlyMap<string, string>;
}

/** What zod adds to a Standard Schema issue, read when present. */
interface DetailedIssue extends StandardSchemaIssue {
  readonly code?: string;
  readonly keys?: readonly string[];
  readonly expected?: string;
  /** A union's: the issues of each branch. */
  readonly errors?: readonly (readonly DetailedIssue[])[];
}

export function describeIssues(issues: readonly StandardSchemaIssue[], context: IssueContext): ConfigIssue[] {
  return issues
    .flatMap((issue) => specificIssues(issue as DetailedIssue, []))
    .flatMap((issue) => describeIssue(issue, context));
}

/**
 * A value that may take several shapes (an adapter object or its options, two styles of account) fails as a
 * union ("Invalid input"); report what is wrong in the shape it came closest to — the branch with the fewest
 * issues, ignoring the branches that only say "not an object of this kind" — with full paths.
 */
function specificIssues(issue: DetailedIssue, prefix: readonly PropertyKey[]): DetailedIssue[] {
  const path = [...prefix, ...keysOf(issue.path)];
  const branches = (issue.errors ?? []).filter((errors) => errors.some((inner) => inner.code !== 'custom'));
  if (issue.code !== 'invalid_union' || issue.message !== 'Invalid input' || branches.length === 0) {
    return [{ ...issue, path }];
  }
  const closest = branches.reduce((best, errors) => (errors.length < best.length ? errors : best));
  return closest.flatMap((inner) => specificIssues(inner, path));
}

function describeIssue(issue: DetailedIssue, context: IssueContext): ConfigIssue[] {
  const at = keysOf(issue.path);
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const known = [...knownKeysAt(context.schema, at), ...(at.length === 0 ? (context.rootKeys ?? []) : [])];
    return issue.keys.map((key) => {
      const suggestion = closestKey(key, known);
      const message = suggestion
        ? `unknown key — did you mean ${suggestion}?`
        : `unknown key; allowed here: ${known.join(', ')}`;
      // A misspelt secret (`pasword`) hides its value like the key it stands for.
      return configIssue([...at, key], message, context, suggestion !== undefined && isSecretKey(suggestion));
    });
  }
  const found = valueAt(context.input, at);
  if (
    issue.code === 'invalid_type' &&
    issue.expected === 'number' &&
    typeof found === 'string' &&
    /^\s*-?\d+(\.\d+)?\s*$/.test(found)
  ) {
    return [configIssue(at, `must be a number, not a string: write ${found.trim()} without quotes`, context)];
  }
  return [configIssue(at, issue.message, context)];
}

function keysOf(path: StandardSchemaIssue['path']): PropertyKey[] {
  return (path ?? []).map((part) => (typeof part === 'object' ? part.key : part));
}

function configIssue(
  at: readonly PropertyKey[],
  message: string,
  context: IssueContext,
  secret = false,
): ConfigIssue {
  const keys = [...(context.prefix ?? []), ...at].map(String);
  const path = keys.join('.');
  const variable = context.environmentSources?.get(path);
  const found = valueAt(context.input, at.map(String));
  return {
    path: variable ? `${path} (from ${variable})` : path,
    message,
    found: (secret || keys.some(isSecretKey)) && found !== undefined ? redacted : describeValue(found),
  };
}

/**
 * The keys of the object(s) a zod schema expects at `path`, following wrappers (optional, default, pipe, lazy…),
 * lists, records and every branch of a union. Other validators reveal no shape: no keys.
 */
export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown, rest: readonly PropertyKey[], depth: number): void => {
    const def = zodDef(node);
    if (!def || depth > 64) return;
    switch (def.type) {
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) for (const key of Object.keys(shape)) keys.add(key);
        else visit(shape[String(rest[0])], rest.slice(1), depth + 1);
        return;
      }
      case 'union':
        for (const option of def.options as unknown[]) visit(option, rest, depth + 1);
        return;
      case 'intersection':
        visit(def.left, rest, depth + 1);
        visit(def.right, rest, depth + 1);
        return;
      case 'array':
        if (rest.length > 0) visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'tuple':
        if (rest.length > 0)
          visit((def.items as unknown[])[Number(rest[0])] ?? def.rest, rest.slice(1), depth + 1);
        return;
      case 'pipe':
        visit(def.in, rest, depth + 1);
        return;
      case 'lazy':
        visit((def.getter as () => unknown)(), rest, depth + 1);
        return;
      default:
        if (def.innerType) visit(def.innerType, rest, depth + 1);
    }
  };
  visit(schema, path, 0);
  return [...keys];
}

function zodDef(schema: unknown): Record<string, unknown> | undefined {
  const internals = (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod;
  return internals?.def;
}

export function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
