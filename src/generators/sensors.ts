/**
 * Sensors: {"sensor_id", "current_temperature", "status", "event_time"}; id
 * 1–99, temperature 10–180; status ERROR above 160, WARNING or ERROR above 140
 * or 20% of the time, else OK; partition key = sensor id. An anomaly forces a
 * reading above 160.
 */
import { Rng, round } from './random.ts';
import { isoMicros } from './time-format.ts';
import type { GeneratorKind } from './types.ts';

export const sensors: GeneratorKind = {
  name: 'sensors',
  description: 'IoT sensors: {"sensor_id","current_temperature","status","event_time"}, ids 1–99, 10–180 degrees',
  scenario: 'Other payloads',
  fields: ['sensor_id', 'current_temperature', 'status', 'event_time'],
  defaultFormat: 'json',
  defaultSchedule: { kind: 'rate', perSecond: 10 },
  defaultAnomalyRate: 0,
  create({ seed, anomalyRate }) {
    const rng = new Rng(seed);
    return {
      next(nowMs) {
        const id = rng.int(1, 99);
        const anomalous = anomalyRate > 0 && rng.chance(anomalyRate);
        const temperature = round(anomalous ? rng.uniform(160.01, 180) : rng.uniform(10, 180), 2);
        let status: string;
        if (temperature > 160) status = 'ERROR';
        else if (temperature > 140 || rng.chance(0.2)) status = rng.chance(0.5) ? 'WARNING' : 'ERROR';
        else status = 'OK';
        return { partitionKey: String(id), value: { sensor_id: id, current_temperature: temperature, status, event_time: isoMicros(nowMs) }, anomalous };
      },
    };
  },
};
