import type { ArgumentsHost } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import { passHandlerErrorsThrough, RpcErrorPassthroughFilter } from './rpc-error.filter';

/** An RPC ArgumentsHost whose context is `context`. */
function rpcHost(context: object): ArgumentsHost {
  return {
    getType: () => 'rpc',
    switchToRpc: () => ({ getContext: () => context, getData: () => ({}) }),
    getArgs: () => [{}, context],
    getArgByIndex: (i: number) => [{}, context][i],
  } as unknown as ArgumentsHost;
}

describe('RpcErrorPassthroughFilter', () => {
  const filter = new RpcErrorPassthroughFilter();

  it('hands the error on as thrown when the transport marked the context (hardened)', async () => {
    const context = {};
    passHandlerErrorsThrough(context);
    const error = new TypeError('a bug in a handler');
    await expect(lastValueFrom(filter.catch(error, rpcHost(context)))).rejects.toBe(error);
  });

  it("does what Nest's default RPC filter does for any other transport (stock)", async () => {
    const error = new TypeError('a bug in a handler');
    await expect(lastValueFrom(filter.catch(error, rpcHost({})))).rejects.toEqual({
      status: 'error',
      message: 'Internal server error',
    });
  });
});
