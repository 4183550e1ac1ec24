export interface TimeReport {
  zone: string;
  /** Local wall-clock time in the zone, `YYYY-MM-DDTHH:mm:ss`. */
  localTime: string;
  utcOffset: string;
}

/** Accepts IANA zones (`Asia/Tokyo`) and the common city names users type (`tokyo`, `new york`). */
const CITY_ZONES: Record<string, string> = {
  tokyo: 'Asia/Tokyo',
  paris: 'Europe/Paris',
  london: 'Europe/London',
  berlin: 'Europe/Berlin',
  'new york': 'America/New_York',
  'los angeles': 'America/Los_Angeles',
  sydney: 'Australia/Sydney',
  utc: 'UTC',
};

export function resolveZone(input: string): string | undefined {
  const trimmed = input.trim();
  const candidate = CITY_ZONES[trimmed.toLowerCase()] ?? trimmed;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: candidate }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export function timeIn(zone: string, now: Date): TimeReport {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(now)
      .map((part) => [part.type, part.value]),
  );
  const offset = (parts.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return {
    zone,
    localTime: `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`,
    utcOffset: offset,
  };
}
