/** The lab cannot install, configure or start its broker; the message says what to do. */
export class KafkaSetupError extends Error {
  override readonly name = 'KafkaSetupError';
}
