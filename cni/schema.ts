/**
 * Applies a schema's build-time checkers (scripts/build.mjs): the fast one, and where it is unsure
 * ajv's standalone validator, whose errors become one CNI error.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { CniError, ErrCode } from './errors.js';
import { normaliseKeys, type KeySchema } from './keys.js';

/** "/mtu must be >= 68; /bridge must NOT have more than 15 characters" */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || '(root)';
      if (e.keyword === 'additionalProperties')
        return `${where}: unknown key ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`;
      return `${where} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/**
 * Validates `raw` (and fills in schema defaults) or throws code 7. Keys are first matched to the
 * schema's property names as the reference's Go decoder matches them (cni/keys.ts), so the result
 * is a copy wherever the schema names keys.
 * @throws {CniError} ErrCode.InvalidNetworkConfig listing every problem
 */
export function validateConfig<T>(validate: ValidateFunction, raw: unknown, what: string): T {
  const value = validate.schema === undefined ? raw : normaliseKeys(raw, validate.schema as KeySchema);
  if (!validate(value))
    throw new CniError(ErrCode.InvalidNetworkConfig, `invalid ${what} configuration: ${describeSchemaErrors(validate.errors)}`);
  return value as T;
}

/** A schema's two build-time checkers. */
export interface ConfigSchema {
  /** gen/<name>.fast.js: what `validateConfig` would return, or undefined when it is unsure. */
  fast: (raw: unknown) => unknown;
  /** gen/<name>.js, imported only when `fast` is unsure, so that a valid config never loads ajv's code. */
  full: () => Promise<ValidateFunction>;
}

/**
 * `validateConfig` with `schema.full`'s validator, through the fast checker: its result when it is
 * sure, else ajv's (every error and edge case stays ajv's). `raw` is not changed.
 * @throws {CniError} ErrCode.InvalidNetworkConfig listing every problem
 */
export async function checkConfig<T>(schema: ConfigSchema, raw: unknown, what: string): Promise<T> {
  return (schema.fast(raw) as T | undefined) ?? validateConfig<T>(await schema.full(), raw, what);
}
