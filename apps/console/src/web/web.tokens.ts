/** The built page's files (ReadonlyMap<string, WebFile>). */
export const WEB_BUNDLE = Symbol('WEB_BUNDLE');
