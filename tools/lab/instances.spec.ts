import { join } from 'node:path';
import { REPO_ROOT } from './config';
import { appMain } from './instances';

describe('appMain', () => {
  const saved = process.env.LAB_APP_MAIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.LAB_APP_MAIN;
    else process.env.LAB_APP_MAIN = saved;
  });

  it("is this checkout's compiled main by default, and LAB_APP_MAIN's when set", () => {
    delete process.env.LAB_APP_MAIN;
    expect(appMain('worker')).toBe(join(REPO_ROOT, 'dist', 'apps', 'worker', 'src', 'main.js'));
    process.env.LAB_APP_MAIN = '/stubs/{app}.js';
    expect(appMain('worker')).toBe('/stubs/worker.js');
  });

  it("is the given checkout's compiled main when a root is given, whatever LAB_APP_MAIN says", () => {
    process.env.LAB_APP_MAIN = '/stubs/{app}.js';
    expect(appMain('bot', '/other/checkout')).toBe('/other/checkout/dist/apps/bot/src/main.js');
  });
});
