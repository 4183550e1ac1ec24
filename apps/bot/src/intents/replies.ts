/** What the bot can do, in the words users should type. Every reply that is not an answer ends with it. */
const CAPABILITIES =
  'I can tell you the weather ("weather in Paris"), the time somewhere ("time in Tokyo"), or repeat what you say ("echo hello"). Say "help" to see this again.';

export function helpReply(): string {
  return `Hello, I am Jeeves. ${CAPABILITIES}`;
}

export function unknownReply(): string {
  return `Sorry, I did not understand that. ${CAPABILITIES}`;
}

export function echoReply(text: string): string {
  return text.length > 0 ? text : 'You did not give me anything to echo: try "echo hello".';
}
