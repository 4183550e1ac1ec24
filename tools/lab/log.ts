/** Where the lab's modules write their progress lines (the CLI's stderr, a test's collector). */
export type Log = (line: string) => void;
