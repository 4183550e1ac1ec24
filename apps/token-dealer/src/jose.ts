/**
 * jose 6 is ESM-only and this app compiles to CommonJS: TypeScript (module node16) refuses a static
 * import, so it is loaded once through `import()`, which Node 24 and Jest both resolve.
 */
export type Jose = typeof import('jose');

let loading: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
