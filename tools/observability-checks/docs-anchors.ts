import { readFileSync } from 'node:fs';

/** GitHub's heading anchor: lower case, punctuation dropped (except `-` and `_`), spaces to `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of every Markdown heading in a file (outside fenced code blocks). */
export function docAnchors(file: string): string[] {
  let fenced = false;
  const anchors: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) anchors.push(headingAnchor(heading[1]));
  }
  return anchors;
}
