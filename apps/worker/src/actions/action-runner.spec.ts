import { type ActionRequested, replyProducedSchema } from '#libs/contracts';
import type { TimeReport, WeatherReport } from '../provider/provider-client';
import { ProviderError } from '../provider/provider-errors';
import { ProviderActionRunner, type ProviderCalls } from './action-runner';

const messageId = '2b3c4d5e-6f70-4182-9a3b-4c5d6e7f8091';

class FakeProvider implements ProviderCalls {
  weatherAnswer: WeatherReport | ProviderError = {
    city: 'Paris',
    temperatureC: 21,
    condition: 'sunny',
    humidityPercent: 54,
  };
  timeAnswer: TimeReport | ProviderError = {
    zone: 'Asia/Tokyo',
    localTime: '2026-01-01T09:05:07',
    utcOffset: '+09:00',
  };
  readonly asked: string[] = [];
  async weather(city: string): Promise<WeatherReport> {
    this.asked.push(`weather:${city}`);
    if (this.weatherAnswer instanceof ProviderError) throw this.weatherAnswer;
    return this.weatherAnswer;
  }
  async time(zone: string): Promise<TimeReport> {
    this.asked.push(`time:${zone}`);
    if (this.timeAnswer instanceof ProviderError) throw this.timeAnswer;
    return this.timeAnswer;
  }
}

const weatherIn = (city: string): ActionRequested => ({
  messageId,
  user: 'ada',
  intent: 'weather',
  action: { kind: 'weather', city },
});
const timeIn = (zone: string): ActionRequested => ({
  messageId,
  user: 'ada',
  intent: 'time',
  action: { kind: 'time', zone },
});

describe('ProviderActionRunner', () => {
  let provider: FakeProvider;
  let runner: ProviderActionRunner;

  beforeEach(() => {
    provider = new FakeProvider();
    runner = new ProviderActionRunner(provider);
  });

  it('answers weather with a sentence made of the report', async () => {
    const reply = await runner.run(weatherIn('paris'));
    expect(provider.asked).toEqual(['weather:paris']);
    expect(reply).toEqual({
      messageId,
      user: 'ada',
      intent: 'weather',
      status: 'replied',
      degraded: false,
      text: 'In Paris it is sunny, 21 °C, with 54% humidity.',
    });
    expect(replyProducedSchema.safeParse(reply).success).toBe(true);
  });

  it('answers time with the local clock, naming the zone the user asked for', async () => {
    await expect(runner.run(timeIn('Tokyo'))).resolves.toMatchObject({
      status: 'replied',
      text: 'It is 09:05 on 2026-01-01 in Tokyo (Asia/Tokyo, UTC+09:00).',
    });
    await expect(runner.run(timeIn('asia/tokyo'))).resolves.toMatchObject({
      text: 'It is 09:05 on 2026-01-01 in Asia/Tokyo (UTC+09:00).',
    });
  });

  it('turns a rejected zone into a failed reply with a reason, without throwing', async () => {
    provider.timeAnswer = new ProviderError('provider-rejected', 'provider rejected the request (404)', {
      status: 404,
      detail: 'unknown time zone "Mars"',
    });
    const reply = await runner.run(timeIn('Mars'));
    expect(reply).toMatchObject({
      status: 'failed',
      intent: 'time',
      reason: 'provider-rejected 404: unknown time zone "Mars"',
    });
    expect(reply.text).toContain('"Mars"');
    expect(replyProducedSchema.safeParse(reply).success).toBe(true);
  });

  it('turns a rejected city into a failed reply', async () => {
    provider.weatherAnswer = new ProviderError('provider-rejected', 'provider rejected the request (400)', {
      status: 400,
    });
    await expect(runner.run(weatherIn('?'))).resolves.toMatchObject({
      status: 'failed',
      reason: 'provider-rejected 400: provider rejected the request (400)',
    });
  });

  it.each([
    new ProviderError('provider-timeout', 'no answer within 2000 ms'),
    new ProviderError('provider-unavailable', 'provider answered 503', { status: 503 }),
  ])('throws $code so the message is retried', async (error) => {
    provider.weatherAnswer = error;
    await expect(runner.run(weatherIn('Paris'))).rejects.toBe(error);
  });

  it('throws anything that is not a provider answer', async () => {
    provider.weather = () => Promise.reject(new Error('bug'));
    await expect(runner.run(weatherIn('Paris'))).rejects.toThrow('bug');
  });
});
