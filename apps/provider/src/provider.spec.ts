import { resolveZone, timeIn } from './clock/clock';
import { weatherFor } from './weather/weather';

describe('provider data', () => {
  it('gives the same weather for the same city, whatever the case', () => {
    expect(weatherFor('paris')).toEqual(weatherFor('  PARIS '));
    expect(weatherFor('paris').city).toBe('Paris');
  });

  it('resolves city names and IANA zones, and refuses unknown zones', () => {
    expect(resolveZone('tokyo')).toBe('Asia/Tokyo');
    expect(resolveZone('Europe/Paris')).toBe('Europe/Paris');
    expect(resolveZone('Mars/Olympus')).toBeUndefined();
  });

  it('formats local time with its UTC offset', () => {
    const report = timeIn('Asia/Tokyo', new Date('2026-01-01T00:00:00Z'));
    expect(report).toEqual({ zone: 'Asia/Tokyo', localTime: '2026-01-01T09:00:00', utcOffset: '+09:00' });
  });
});

describe('city names', () => {
  it('capitalizes every word of a place name', () => {
    expect(weatherFor('new YORK').city).toBe('New York');
    expect(weatherFor("l'aquila").city).toBe("L'Aquila");
  });
});
