/** Deterministic fake weather: the same city always gets the same report, so tests and replays agree. */
export interface WeatherReport {
  city: string;
  temperatureC: number;
  condition: string;
  humidityPercent: number;
}

const CONDITIONS = ['sunny', 'cloudy', 'rainy', 'windy', 'foggy', 'snowy', 'stormy', 'clear'];

/** FNV-1a: a small stable hash so reports depend only on the city name. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (const char of text) {
    value ^= char.codePointAt(0)!;
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

export function weatherFor(city: string): WeatherReport {
  const normalized = city.trim().replace(/\s+/g, ' ');
  const seed = hash(normalized.toLowerCase());
  return {
    city: normalized
      .toLowerCase()
      .replace(/(^|[\s'-])(\p{L})/gu, (_match, before: string, letter: string) => before + letter.toUpperCase()),
    temperatureC: (seed % 45) - 10,
    condition: CONDITIONS[seed % CONDITIONS.length]!,
    humidityPercent: 20 + (seed % 75),
  };
}
