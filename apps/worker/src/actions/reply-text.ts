import type { TimeReport, WeatherReport } from '../provider/provider-client';

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

export function unknownZoneSentence(zone: string): string {
  return `Sorry, I do not know the time zone "${zone}". Try a city such as Tokyo or a zone such as Europe/Paris.`;
}

export function weatherRefusedSentence(city: string): string {
  return `Sorry, I could not get the weather for "${city}".`;
}
