/** Types of scripts/executables.mjs, for the tests that hold TypeScript tables to it. */
export interface Executable {
  name: string;
  entry: string;
  plugin?: boolean;
  bun?: boolean;
  daemon?: boolean;
}
export declare const executables: readonly Executable[];
export declare function bunBinary(root: string): string | undefined;
