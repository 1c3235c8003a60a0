/**
 * StartApplication and StopApplication
 * (https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_StartApplication.html).
 * Start reads `InputConfigurations[{Id, InputStartingPositionConfiguration}]`;
 * both answer `{}`. Freshet starts the runtime before answering, so a client
 * that polls DescribeApplication sees RUNNING on its first look.
 */
import { AwsError } from '../../core/index.ts';
import type { StartingPosition } from '../model.ts';
import type { AnalyticsContext, Wire } from './context.ts';

export async function startApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  const configs = req.InputConfigurations as Wire[];
  await ctx.registry.serialise(name, async () => {
    const app = ctx.registry.get(name);
    if (app.status !== 'READY') throw new AwsError('ResourceInUseException', `Application ${name} is in ${app.status} state`);
    const positions = new Map<string, StartingPosition>();
    for (const c of configs) {
      const id = c.Id as string;
      if (!app.inputs.some((i) => i.id === id)) {
        throw new AwsError('InvalidArgumentException', `Application ${name} has no input with id ${id}`);
      }
      const position = (c.InputStartingPositionConfiguration as Wire).InputStartingPosition as StartingPosition | undefined;
      positions.set(id, position ?? 'NOW');
    }
    if (app.inputs.length === 0) {
      throw new AwsError('InvalidApplicationConfigurationException', `Application ${name} has no input; add one with AddApplicationInput before starting it`);
    }
    for (const input of app.inputs) if (!positions.has(input.id)) positions.set(input.id, 'NOW');
    await ctx.registry.startLocked(app, positions);
  });
  return {};
}

export async function stopApplication(ctx: AnalyticsContext, req: Wire): Promise<Wire> {
  const name = req.ApplicationName as string;
  await ctx.registry.serialise(name, async () => {
    const app = ctx.registry.get(name);
    if (app.status === 'READY') return; // already stopped: nothing to do
    if (app.status !== 'RUNNING') throw new AwsError('ResourceInUseException', `Application ${name} is in ${app.status} state`);
    app.status = 'STOPPING';
    await ctx.registry.save(app);
    try {
      await ctx.registry.runtime.stop(name, { checkpoint: true });
    } finally {
      app.status = 'READY';
      await ctx.registry.save(app);
    }
  });
  return {};
}
