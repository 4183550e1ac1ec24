/**
 * Prints a TOKEN_CLIENTS `secretHash` for a client secret read from stdin, so the secret stays out
 * of shell history and the process list:
 *
 *   printf %s 'my-secret' | node dist/apps/token-dealer/src/hash-secret.js
 *   node dist/apps/token-dealer/src/hash-secret.js < secret.txt
 */
import { hashSecret } from './clients/secret-hash';

const MIN_SECRET_LENGTH = 16;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  // A trailing newline from `echo` or an editor is not part of the secret.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write('Type the client secret, then Ctrl-D:\n');
  const secret = await readStdin();
  if (secret.length < MIN_SECRET_LENGTH) {
    process.stderr.write(
      `hash-secret: a client secret needs at least ${MIN_SECRET_LENGTH} characters (got ${secret.length}).\n`,
    );
    return 2;
  }
  process.stdout.write(`${await hashSecret(secret)}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`hash-secret failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
