import { chromiumBinary } from './browser';

describe('chromiumBinary', () => {
  it("is CHROMIUM_BIN when set, else Debian's chromium (blank is unset)", () => {
    expect(chromiumBinary({ CHROMIUM_BIN: '/opt/chromium/chrome' })).toBe('/opt/chromium/chrome');
    expect(chromiumBinary({ CHROMIUM_BIN: ' ' })).toBe('chromium');
    expect(chromiumBinary({})).toBe('chromium');
  });
});
