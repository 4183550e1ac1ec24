import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { type Fault as RegistryFault, faultSpecSchema } from '#libs/chaos';
import { isServiceName, SERVICE_NAMES, type ServiceName } from '#libs/contracts';
import { parseOrProblem, ProblemError } from '#libs/platform';
import { LabServices, upstreamProblem } from '../upstream/lab-services';
import type { Fault, FaultForms, ServiceFaults } from '../api-types';
import { faultForms } from './fault-form';

export type { ServiceFaults } from '../api-types';

const injectBodySchema = z
  .object({ service: z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]]), spec: faultSpecSchema })
  .strict();
const FAULT_ID = /^[\w-]{1,64}$/;

function serviceParam(value: string): ServiceName {
  if (!isServiceName(value))
    throw new ProblemError(404, 'not-found', {
      detail: `no service ${value.slice(0, 64)}; one of ${SERVICE_NAMES.join(', ')}`,
    });
  return value;
}

/**
 * The chaos page's API: every service's faults, inject, clear one / a service's / all. Each call
 * goes to the services' chaos API (libs/chaos) with the operator's token, which stays here.
 */
@Controller('api/chaos')
export class ChaosController {
  private readonly forms = faultForms();

  constructor(@Inject(LabServices) private readonly services: LabServices) {}

  /** The fault types, their parameters and targets, from the chaos API's schema. */
  @Get('forms')
  faultForms(): FaultForms {
    return this.forms;
  }

  @Get('faults')
  async list(): Promise<ServiceFaults[]> {
    return Promise.all(
      SERVICE_NAMES.map(async (service): Promise<ServiceFaults> => {
        try {
          const answer = await this.services.asAdmin(service, 'GET', '/admin/chaos/faults');
          if (answer.status === 200 && Array.isArray(answer.body))
            return { service, faults: answer.body as RegistryFault[] };
          return { service, faults: [], problem: upstreamProblem(service, answer).message };
        } catch (error) {
          return { service, faults: [], problem: (error as Error).message };
        }
      }),
    );
  }

  @Post('faults')
  @HttpCode(201)
  async inject(@Body() body: unknown): Promise<Fault> {
    // Validated here first: the page gets the chaos API's own field errors without a round trip.
    const { service, spec } = parseOrProblem(injectBodySchema, body ?? {}, 'fault');
    const answer = await this.services.asAdmin(service, 'POST', '/admin/chaos/faults', spec);
    if (answer.status !== 201) throw upstreamProblem(service, answer);
    return answer.body as RegistryFault;
  }

  @Delete('faults')
  @HttpCode(204)
  async clearAll(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((service) => this.clearService(service)));
  }

  @Delete('faults/:service')
  @HttpCode(204)
  async clearOneService(@Param('service') service: string): Promise<void> {
    await this.clearService(serviceParam(service));
  }

  @Delete('faults/:service/:id')
  @HttpCode(204)
  async clearOne(@Param('service') service: string, @Param('id') id: string): Promise<void> {
    const name = serviceParam(service);
    if (!FAULT_ID.test(id)) throw new ProblemError(404, 'not-found', { detail: 'no such fault' });
    const answer = await this.services.asAdmin(name, 'DELETE', `/admin/chaos/faults/${encodeURIComponent(id)}`);
    if (answer.status !== 204) throw upstreamProblem(name, answer);
  }

  private async clearService(service: ServiceName): Promise<void> {
    const answer = await this.services.asAdmin(service, 'DELETE', '/admin/chaos/faults');
    if (answer.status !== 204) throw upstreamProblem(service, answer);
  }
}
