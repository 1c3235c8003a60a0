/**
 * StartApplication and StopApplication
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_StartApplication.html,
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_StopApplication.html).
 * Start reads `InputConfigurations[{Id, InputStartingPositionConfiguration}]`;
 * both answer `{}`.
 *
 * "The application status must be READY for you to start an application" and
 * "you can stop an application only if it is in the running state" (API
 * reference); any other status is ResourceInUseException. Start attaches the
 * inputs before answering (a missing stream is reported to the caller) and the
 * application is STARTING until it settles to RUNNING; Stop writes outputs and
 * checkpoints before answering and the application is STOPPING until READY
 * (registry.ts, StatusDelays). Clients poll DescribeApplication, as with AWS.
 */

import type { StartingPosition } from '../model.ts';
import { inUse } from '../registry.ts';
import type { AnalyticsContext, Wire } from './context.ts';
import { analyticsErrors } from '../errors.ts';

export async function startApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  const configs = req.InputConfigurations as Wire[];
  await ctx.registry.serialise(name, async () => {
    const app = ctx.registry.get(name);
    if (app.status !== 'READY') throw inUse(name, app.status, 'only a READY application can be started');
    const positions = new Map<string, StartingPosition>();
    for (const c of configs) {
      const id = c.Id as string;
      if (!app.inputs.some((i) => i.id === id)) {
        throw analyticsErrors.create('InvalidArgumentException', `Application ${name} has no input with id ${id}`);
      }
      const position = (c.InputStartingPositionConfiguration as Wire).InputStartingPosition as StartingPosition | undefined;
      positions.set(id, position ?? 'NOW');
    }
    if (app.inputs.length === 0) {
      throw analyticsErrors.create(
        'InvalidApplicationConfigurationException',
        `Application ${name} has no input; add one with AddApplicationInput before starting it`,
      );
    }
    for (const input of app.inputs) if (!positions.has(input.id)) positions.set(input.id, 'NOW');
    await ctx.registry.startLocked(app, positions);
  });
  return {};
}

export async function stopApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  await ctx.registry.serialise(name, () => ctx.registry.stopLocked(ctx.registry.get(name)));
  return {};
}
