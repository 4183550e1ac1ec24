/** What an injected `error` or `produce-failure` fault throws; `status` makes breakers and handlers treat it like the real thing. */
export class ChaosInjectedError extends Error {
  readonly code = 'ECHAOS';
  constructor(
    readonly faultId: string,
    readonly status: number,
    where: string,
  ) {
    super(`injected fault ${faultId}: ${where} fails with ${status}`);
    this.name = 'ChaosInjectedError';
  }
}

export function isChaosInjected(error: unknown): error is ChaosInjectedError {
  return error instanceof ChaosInjectedError;
}
