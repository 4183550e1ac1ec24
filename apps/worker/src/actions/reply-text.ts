import type { ActionRequested } from '#libs/contracts';
import type { TimeReport, WeatherReport } from '../provider/provider-client';

// Every sentence the worker replies with, whichever runner produced it.

/** "In Paris it is sunny, 21 °C, with 54% humidity." */
export function weatherSentence(report: WeatherReport): string {
  return `In ${report.city} it is ${report.condition}, ${report.temperatureC} °C, with ${report.humidityPercent}% humidity.`;
}

/** "It is 09:00 on 2026-01-01 in Tokyo (Asia/Tokyo, UTC+09:00)." — the zone shown once when the user typed it. */
export function timeSentence(asked: string, report: TimeReport): string {
  const [date, clock] = report.localTime.split('T');
  const where =
    asked.toLowerCase() === report.zone.toLowerCase()
      ? `${report.zone} (UTC${report.utcOffset})`
      : `${asked} (${report.zone}, UTC${report.utcOffset})`;
  return `It is ${clock!.slice(0, 5)} on ${date} in ${where}.`;
}

/** The provider's 404 for a zone, in the user's words: a `failed` reply. */
export function unknownZoneSentence(zone: string): string {
  return `Sorry, I do not know the time zone "${zone}". Try a city such as Tokyo or a zone such as Europe/Paris.`;
}

/** The provider refused a city (a 4xx): a `failed` reply. */
export function weatherRefusedSentence(city: string): string {
  return `Sorry, I could not get the weather for "${city}".`;
}

/** The degraded answer per action kind when the provider is down and nothing can stand in for it. */
export const APOLOGIES = {
  weather: 'Sorry, the weather service is down, try again later.',
  time: 'Sorry, the time service is down, try again later.',
} as const satisfies Record<ActionRequested['action']['kind'], string>;

/** A remembered weather sentence served while the provider is down, with its age (whole minutes, at least 1). */
export function staleWeatherSentence(remembered: string, ageMinutes: number): string {
  return `${remembered} (Last known answer, about ${ageMinutes} min old: the weather service is not answering right now.)`;
}
