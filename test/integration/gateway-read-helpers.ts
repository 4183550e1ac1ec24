import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { demoToken } from './pipeline-helpers';

/**
 * What the conditional-read and compression specs share: a GET whose answer is kept as it came
 * off the wire (fetch would decode the content coding and hide it), and the decoding done here
 * with node:zlib.
 */

/** One answer as received: status, headers (lower case), the body's bytes still content-coded. */
export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}

/** GET `path` from `baseUrl` as the demo client, with `headers`; the body is not decoded. */
export async function wireGet(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<WireAnswer> {
  const token = await demoToken();
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, raw: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${path}: no answer within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The body as text, decoded from its Content-Encoding (br, gzip or none) with node:zlib. */
export function decodedBody(answer: WireAnswer): string {
  const coding = answer.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(answer.raw).toString('utf8');
  if (coding === 'gzip') return gunzipSync(answer.raw).toString('utf8');
  if (coding !== undefined) throw new Error(`unexpected Content-Encoding ${String(coding)}`);
  return answer.raw.toString('utf8');
}
