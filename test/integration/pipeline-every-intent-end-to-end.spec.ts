import { postMessage, providerWeather, storedMessage, uniqueUser, waitForFinal } from './pipeline-helpers';

/**
 * Every intent through the whole lab: gateway (token, POST) → Kafka → bot → (worker → provider) →
 * Kafka → data-service → gateway (GET), until the message is `replied` with the expected text.
 */
describe('pipeline: every intent end to end', () => {
  const user = uniqueUser('intents');

  it('answers weather in Paris with the provider report', async () => {
    const { id, status } = await postMessage(user, 'weather in Paris');
    expect(status).toBe('accepted');
    const view = await waitForFinal(id);
    const report = await providerWeather('Paris');
    expect(view).toMatchObject({
      id,
      user,
      text: 'weather in Paris',
      status: 'replied',
      intent: 'weather',
      degraded: false,
      failureReason: null,
      reply: `In Paris it is ${report.condition}, ${report.temperatureC} °C, with ${report.humidityPercent}% humidity.`,
    });
  });

  it('answers time in Tokyo with the local time there', async () => {
    const { id } = await postMessage(user, 'What time is it in Tokyo?');
    const view = await waitForFinal(id);
    expect(view).toMatchObject({ status: 'replied', intent: 'time', degraded: false });
    expect(view.reply).toMatch(/^It is \d{2}:\d{2} on \d{4}-\d{2}-\d{2} in Tokyo \(Asia\/Tokyo, UTC\+09:00\)\.$/);
  });

  it('answers help with what Jeeves can do', async () => {
    const { id } = await postMessage(user, 'help');
    const view = await waitForFinal(id);
    expect(view).toMatchObject({ status: 'replied', intent: 'help' });
    expect(view.reply).toContain('"weather in Paris"');
    expect(view.reply).toContain('"time in Tokyo"');
  });

  it('echoes what follows "echo"', async () => {
    const { id } = await postMessage(user, 'echo Good evening, Jeeves!');
    await expect(waitForFinal(id)).resolves.toMatchObject({
      status: 'replied',
      intent: 'echo',
      reply: 'Good evening, Jeeves!',
    });
  });

  it('answers an unknown phrase helpfully, not with an error', async () => {
    const { id } = await postMessage(user, 'sing me a song about Kafka');
    const view = await waitForFinal(id);
    expect(view).toMatchObject({ status: 'replied', intent: 'unknown', failureReason: null });
    expect(view.reply).toMatch(/^Sorry, I did not understand that\. I can tell you the weather/);
  });

  it('fails an unknown time zone with a reason (the provider said 404)', async () => {
    const { id } = await postMessage(user, 'time in Mars/Olympus');
    const view = await waitForFinal(id);
    expect(view).toMatchObject({ status: 'failed', intent: 'time' });
    expect(view.failureReason).toMatch(/^provider-rejected 404: /);
    expect(view.reply ?? '').toContain('Mars/Olympus');
    // data-service, the owner of the store, says the same as the gateway.
    await expect(storedMessage(id)).resolves.toMatchObject({ status: 'failed', intent: 'time' });
  });
});
