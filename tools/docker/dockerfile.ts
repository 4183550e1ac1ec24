import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './compose-file';

/**
 * The repo's Dockerfile read into instructions, for specs that check what hadolint cannot know (that
 * it matches nest-cli.json, the lab's start command, the health route). Enough of the syntax for
 * this file: comments, `\` continuations, parser directives; not heredocs or a custom escape char.
 */

export const DOCKERFILE = join(REPO_ROOT, 'Dockerfile');
export const DOCKERIGNORE = join(REPO_ROOT, '.dockerignore');

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY… */
  readonly keyword: string;
  /** The rest of the instruction, continuations joined with a space. */
  readonly args: string;
  /** The stage it belongs to: the `AS` name of the FROM above it (or its index when unnamed). */
  readonly stage: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    // A comment line inside a continued instruction is dropped, as BuildKit does.
    if (pending !== '' && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());
  const instructions: Instruction[] = [];
  let stage = '';
  let stages = 0;
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const upper = (keyword ?? '').toUpperCase();
    if (upper === 'FROM') stage = /\sAS\s+(\S+)\s*$/i.exec(args)?.[1] ?? String(stages++);
    instructions.push({ keyword: upper, args: args ?? '', stage });
  }
  return instructions;
}

export function loadDockerfile(): Instruction[] {
  return parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
}

/** An exec-form (JSON array) argument list, such as CMD's or ENTRYPOINT's; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trimStart().startsWith('[')) return undefined;
  return JSON.parse(args) as string[];
}

/** The `KEY=value` pairs of ENV instructions (quotes not handled: this Dockerfile uses none). */
export function envOf(instructions: readonly Instruction[]): Record<string, string> {
  return Object.fromEntries(
    instructions
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => i.args.split(/\s+/).filter(Boolean))
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
}

/**
 * Whether `.dockerignore` leaves `path` (relative to the context, `/`-separated) out of the build
 * context: its patterns in order, the last one that matches decides (`!` re-includes), a pattern
 * that matches a directory matches everything under it. `*` and `?` stop at `/`; `**` spans any
 * number of directories. What Docker's own matcher does for the patterns this repo uses.
 */
export function dockerignored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).trim().replace(/^\/+|\/+$/g, '');
    if (pattern === '') continue;
    // eslint-disable-next-line security/detect-non-literal-regexp -- a .dockerignore pattern of the repo, its regex characters escaped and only * ? ** turned into path globs
    const regex = new RegExp(
      `^${pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '(?:[^/]+/)*'
            : `${part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]')}/`,
        )
        .join('')}`,
    );
    // A pattern matches the path itself or one of its parent directories.
    if (regex.test(`${path}/`)) ignored = !negated;
  }
  return ignored;
}

export function loadDockerignore(): string[] {
  return readFileSync(DOCKERIGNORE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
