/**
 * The arithmetic of the polling benchmark (polling.ts), kept pure so a unit spec can hold it: what
 * one measured window of polls cost per poll, and the table of rounds with their spread and their
 * ratio to the plain poll of the same body in the same round.
 */
import { cpuMs, formatSpread, spreadOf } from './capacity-math';
import { table } from './support';

/** The ways a client polls, each measured in every round. */
export const POLL_MODES = ['plain', 'if-none-match', 'br', 'br + if-none-match'] as const;
export type PollMode = (typeof POLL_MODES)[number];

/** What the polled messages hold: a short text (JSON under the 1 KiB compression threshold) or a long one. */
export const POLL_BODIES = ['short', 'long'] as const;
export type PollBody = (typeof POLL_BODIES)[number];

/** The request headers a poll in `mode` adds, given the ETag it holds for the message (if any). */
export function pollHeaders(mode: PollMode, etag: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (mode === 'br' || mode === 'br + if-none-match') headers['accept-encoding'] = 'br, gzip';
  if ((mode === 'if-none-match' || mode === 'br + if-none-match') && etag) headers['if-none-match'] = etag;
  return headers;
}

/** One measured window: counters read at its two edges. */
export interface PollWindow {
  /** Polls answered (any status). */
  readonly polls: number;
  /** Of those, answered 304. */
  readonly notModified: number;
  /** Of those, answered neither 200 nor 304 (a failure: the window does not count). */
  readonly failed: number;
  /** Bytes the client read off its sockets in the window: status lines, headers and bodies as sent. */
  readonly bytesRead: number;
  /** Bytes the client wrote: the requests. */
  readonly bytesWritten: number;
  /** utime + stime of the gateway at the window's start and end, in clock ticks. */
  readonly gatewayTicks: readonly [number, number];
  /** The same for data-service, which answers every poll's read whatever the gateway answers. */
  readonly dataServiceTicks: readonly [number, number];
}

/** What one poll cost on average in a window; NaN throughout when nothing was polled. */
export interface PollCost {
  readonly responseBytesPerPoll: number;
  readonly requestBytesPerPoll: number;
  readonly gatewayCpuMsPerPoll: number;
  readonly dataServiceCpuMsPerPoll: number;
  /** Share of polls answered 304. */
  readonly notModifiedShare: number;
  readonly failedShare: number;
}

export function costPerPoll(window: PollWindow, ticksPerSecond: number): PollCost {
  const per = (total: number): number => (window.polls > 0 ? total / window.polls : NaN);
  return {
    responseBytesPerPoll: per(window.bytesRead),
    requestBytesPerPoll: per(window.bytesWritten),
    gatewayCpuMsPerPoll: per(cpuMs(window.gatewayTicks[0], window.gatewayTicks[1], ticksPerSecond)),
    dataServiceCpuMsPerPoll: per(cpuMs(window.dataServiceTicks[0], window.dataServiceTicks[1], ticksPerSecond)),
    notModifiedShare: per(window.notModified),
    failedShare: per(window.failed),
  };
}

/** One round's cost of each (body, mode) variant, keyed `${body}/${mode}`. */
export type PollRound = Readonly<Record<string, PollCost>>;

export const variantKey = (body: PollBody, mode: PollMode): string => `${body}/${mode}`;

/** `value` of the variant ÷ the same of the plain poll of the same body, in one round (NaN when missing). */
export function ratioToPlain(round: PollRound, body: PollBody, mode: PollMode, value: keyof PollCost): number {
  const cost = round[variantKey(body, mode)];
  const plain = round[variantKey(body, 'plain')];
  if (!cost || !plain || !(plain[value] > 0)) return NaN;
  return cost[value] / plain[value];
}

/**
 * The Markdown table over rounds: per variant, bytes received and gateway CPU ms per poll (median
 * and min–max over rounds), each also as a ratio to the plain poll of the same body taken round by
 * round, data-service CPU per poll, and the share of 304s.
 */
export function pollingTable(rounds: readonly PollRound[]): string {
  const over = (pick: (round: PollRound) => number, format: (v: number) => string): string =>
    formatSpread(spreadOf(rounds.map(pick)), format);
  const rows = POLL_BODIES.flatMap((body) =>
    POLL_MODES.map((mode) => {
      const key = variantKey(body, mode);
      const value = (field: keyof PollCost) => (round: PollRound) => round[key]?.[field] ?? NaN;
      return [
        `${body} body, ${mode}`,
        over(value('responseBytesPerPoll'), (v) => v.toFixed(0)),
        over(
          (round) => ratioToPlain(round, body, mode, 'responseBytesPerPoll'),
          (v) => v.toFixed(2),
        ),
        over(value('gatewayCpuMsPerPoll'), (v) => v.toFixed(3)),
        over(
          (round) => ratioToPlain(round, body, mode, 'gatewayCpuMsPerPoll'),
          (v) => v.toFixed(2),
        ),
        over(value('dataServiceCpuMsPerPoll'), (v) => v.toFixed(3)),
        over(value('notModifiedShare'), (v) => `${(v * 100).toFixed(0)} %`),
      ];
    }),
  );
  return table(
    [
      'poll',
      'bytes received / poll',
      '× plain',
      'gateway CPU ms / poll',
      '× plain',
      'data-service CPU ms / poll',
      '304s',
    ],
    rows,
  );
}
