/** Longest city or zone the actions contract accepts. */
export const MAX_ARGUMENT_LENGTH = 100;
/** Longest echo; the gateway already caps texts at 2000 characters, this keeps the parser total. */
export const MAX_ECHO_LENGTH = 2000;

/** One variant per intent of the contract (`INTENTS`), with what the intent needs. */
export type ParsedIntent =
  | { intent: 'weather'; city: string }
  | { intent: 'time'; zone: string }
  | { intent: 'help' }
  | { intent: 'echo'; text: string }
  | { intent: 'unknown' };

// Typographic apostrophes come from phone keyboards: "what’s".
const APOS = "['’]?";
// Both run on normalize()d text (one space between words).
const LEADING_FILLER =
  // eslint-disable-next-line security/detect-unsafe-regex -- anchored, no repeated group, and it cannot fail (every group is optional), so it never backtracks: linear
  /^(?:(?:hey|hi|ok|okay)\s+)?(?:jeeves\s*[,:]?\s*)?(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:tell\s+me\s+)?/i;
// Single spaces, not \s+: on a long run of whitespace a repeated group of \s+ takes quadratic time
// (measured: 160 ms on 4000 spaces), and normalize() has already made every run one space.
const TRAILING_FILLER = /(?: (?:please|today|now|right now|at the moment))+$/i;

const ECHO = /^\s*echo\b[\s:,]*([\s\S]*)$/i;
const HELP = /^(?:help|h|\?|commands|menu|hi|hello|hey|what\s+can\s+you\s+do|how\s+does\s+this\s+work)$/i;
const TIME = new RegExp(
  `^(?:what${APOS}s\\s+the\\s+time|what\\s+is\\s+the\\s+time|what\\s+time\\s+is\\s+it|(?:the\\s+)?(?:current\\s+|local\\s+)?time)(?:\\s+(?:in|for|at)\\b)?\\s+(.+)$`,
  'i',
);
const WEATHER = new RegExp(
  `^(?:(?:what${APOS}s|what\\s+is|how${APOS}s|how\\s+is)\\s+)?(?:the\\s+)?(?:current\\s+)?weather(?:\\s+like)?(?:\\s+(?:in|for|at)\\b)?\\s+(.+)$`,
  'i',
);

/** Collapses whitespace and drops the punctuation people put around a request. */
function normalize(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s"'“”‘’.,!?;:]+/, '')
    .replace(/[\s"'“”‘’.,!?;:]+$/, '');
}

/** The place in "weather in <place>": trimmed, unquoted, without "today"/"please"; undefined when empty or too long. */
function argument(raw: string): string | undefined {
  const cleaned = normalize(raw).replace(TRAILING_FILLER, '');
  const value = normalize(cleaned);
  // "time in?" leaves the preposition itself as the place.
  if (value.length === 0 || value.length > MAX_ARGUMENT_LENGTH || /^(?:in|for|at)$/i.test(value)) return undefined;
  return value;
}

/**
 * Reads what the user wants from free text. Total: every string gets an intent, never an error;
 * what it does not understand is `unknown`, which still earns a helpful reply.
 */
export function parseIntent(text: string): ParsedIntent {
  const echo = ECHO.exec(text);
  if (echo) return { intent: 'echo', text: echo[1]!.trim().slice(0, MAX_ECHO_LENGTH) };

  const sentence = normalize(normalize(text).replace(LEADING_FILLER, ''));
  // Nothing left but a greeting or punctuation: answering with the menu is the useful thing.
  if (sentence.length === 0 || HELP.test(sentence)) return { intent: 'help' };

  const time = TIME.exec(sentence);
  if (time) {
    const zone = argument(time[1]!);
    return zone ? { intent: 'time', zone } : { intent: 'unknown' };
  }
  const weather = WEATHER.exec(sentence);
  if (weather) {
    const city = argument(weather[1]!);
    return city ? { intent: 'weather', city } : { intent: 'unknown' };
  }
  return { intent: 'unknown' };
}
