import { createRequire } from 'node:module';

/**
 * Why this exists: dynalite parses every `UpdateExpression` and `ConditionExpression` with its
 * PEG parsers on every request, and that parse was about 70% of its CPU per write in the send
 * benchmark (docs/benchmarks.md, "Reading them"): the local DynamoDB, not the code under test,
 * set the ceiling. The bridge sends the same few expressions over and over with other values, so
 * the parse of an expression is kept and replayed with the request's own values.
 *
 * It answers exactly as dynalite does, because a parse depends only on what the key holds:
 * the expression text, the attribute names, each value's type (values of list, map and set types
 * whole), and whether it is a key condition. The two checks that read a value's content
 * (`BETWEEN` bounds and `attribute_type`'s type name) are never kept: those expressions are
 * parsed every time. A replay marks the names and values the expression uses as used (dynalite
 * refuses unused ones) and hands back a copy of the kept result in which each value object of
 * the first request is replaced by this request's value of the same name. Thrown parse errors
 * are not kept. Hand-written: dynalite has no option for it, and no library memoizes a PEG
 * parser's output.
 */

interface Parser {
  parse(input: string, options: { context: ParseContext }): unknown;
}

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  isKeyCondition?: boolean;
}

interface Kept {
  result: unknown;
  /** The value objects of the request that was parsed, by name. */
  values: Map<unknown, string>;
  usedNames: string[];
  usedValues: string[];
}

const SCALAR_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL']);
/** Expressions whose parse reads a value's content, not only its type: never kept. */
const READS_VALUES = /between|attribute_type/i;
/** Distinct expressions are few in practice; the bound only guards against unusual callers. */
const MAX_KEPT = 2_000;

function valueSignature(values: ParseContext['attrVals']): string {
  if (!values) return '';
  let signature = '';
  for (const name of Object.keys(values)) {
    const value = values[name];
    const types = value && typeof value === 'object' ? Object.keys(value) : [];
    const type = types.length === 1 ? types[0]! : undefined;
    signature += `${name}=${type && SCALAR_TYPES.has(type) ? type : JSON.stringify(value)};`;
  }
  return signature;
}

/** A copy of `node` with every kept value object swapped for the request's value of that name. */
function replay(node: unknown, values: Map<unknown, string>, current: NonNullable<ParseContext['attrVals']>) {
  if (node === null || typeof node !== 'object') return node;
  const name = values.get(node);
  if (name !== undefined) return current[name];
  if (Array.isArray(node)) return node.map((item): unknown => replay(item, values, current));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(node))
    copy[key] = replay((node as Record<string, unknown>)[key], values, current);
  return copy;
}

function memoize(parser: Parser): void {
  const parse = parser.parse.bind(parser);
  const kept = new Map<string, Kept>();
  parser.parse = (input, options) => {
    const context = options.context;
    if (READS_VALUES.test(input)) return parse(input, options);
    const key = `${context.isKeyCondition ? 'K' : '-'}\u0000${input}\u0000${JSON.stringify(context.attrNames ?? null)}\u0000${valueSignature(context.attrVals)}`;
    const hit = kept.get(key);
    if (hit) {
      for (const name of hit.usedNames) delete context.unusedAttrNames?.[name];
      for (const name of hit.usedValues) delete context.unusedAttrVals?.[name];
      return replay(hit.result, hit.values, context.attrVals ?? {});
    }
    // What this expression uses, whatever other expressions of the request used before it: the
    // parse runs against full sets of unused names and values, and what it crossed out is applied.
    const probe = {
      ...context,
      unusedAttrNames: Object.fromEntries(Object.keys(context.attrNames ?? {}).map((k) => [k, true])),
      unusedAttrVals: Object.fromEntries(Object.keys(context.attrVals ?? {}).map((k) => [k, true])),
    };
    const result = parse(input, { ...options, context: probe });
    const usedNames = Object.keys(context.attrNames ?? {}).filter((name) => !probe.unusedAttrNames[name]);
    const usedValues = Object.keys(context.attrVals ?? {}).filter((name) => !probe.unusedAttrVals[name]);
    for (const name of usedNames) delete context.unusedAttrNames?.[name];
    for (const name of usedValues) delete context.unusedAttrVals?.[name];
    const values = new Map<unknown, string>(
      Object.entries(context.attrVals ?? {}).map(([name, value]) => [value, name]),
    );
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(key, {
      // A copy: nothing dynalite later does to this request's result reaches the kept one.
      result: replay(result, values, context.attrVals ?? {}),
      values,
      usedNames,
      usedValues,
    });
    return result;
  };
}

let installed = false;

/**
 * Makes dynalite's update and condition expression parsers keep and replay their parses (see
 * above). Idempotent; call before dynalite serves requests.
 *
 * @example
 * memoizeDynaliteExpressions();
 * const server = dynalite({ createTableMs: 0 });
 */
export function memoizeDynaliteExpressions(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  memoize(require('dynalite/db/updateParser') as Parser);
  memoize(require('dynalite/db/conditionParser') as Parser);
}
