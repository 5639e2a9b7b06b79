// Types of scripts/fast-check.mjs for the TypeScript tests that import it.
export function fastCheckSource(schema: object, validDefault: (schema: object, value: unknown) => boolean): string;
