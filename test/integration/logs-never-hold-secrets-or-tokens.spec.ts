import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, getToken, lab } from './support/lab';

/**
 * Whatever the services log — requests, failures, auth errors — client secrets and bearer tokens
 * never reach the log files. We make every service see a token (good and bad), then read the logs.
 */
describe('logs: no secrets or tokens', () => {
  it('keeps client secrets and access tokens out of every service log', async () => {
    const token = await getToken(CLIENTS.demo.id, CLIENTS.demo.secret);
    const wrong = await fetch(`${lab().urls['token-dealer']}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENTS.demo.id,
        client_secret: 'not-the-secret-42',
      }),
    });
    expect(wrong.status).toBe(401);
    const tampered = `${token.slice(0, -4)}AAAA`;
    for (const app of ['gateway', 'data-service', 'provider', 'bot', 'worker', 'token-dealer'] as const) {
      for (const bearer of [token, tampered]) {
        await fetch(`${lab().urls[app]}/admin/chaos/faults`, { headers: { authorization: `Bearer ${bearer}` } });
      }
    }
    const posted = await fetch(`${lab().urls.gateway}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'log-check', text: 'echo hello' }),
    });
    expect(posted.status).toBe(202);

    const logsDir = join(lab().stateDir, 'logs');
    const files = readdirSync(logsDir).filter(
      (file) => file.endsWith('.log') && !file.startsWith('kafka') && !file.startsWith('prometheus'),
    );
    expect(files.length).toBeGreaterThanOrEqual(6);
    const signature = token.split('.')[2]!;
    for (const file of files) {
      const text = readFileSync(join(logsDir, file), 'utf8');
      for (const secret of [
        CLIENTS.demo.secret,
        CLIENTS.admin.secret,
        'not-the-secret-42',
        signature,
        tampered.split('.')[2]!,
      ]) {
        expect({ file, leaks: text.includes(secret) ? secret : null }).toEqual({ file, leaks: null });
      }
    }
  });
});
