export { planApplication } from './planner.ts';
export type { PlanOptions } from './planner.ts';
export { SCALAR_FUNCTIONS, AGGREGATE_FUNCTIONS, TABLE_FUNCTIONS } from './functions.ts';
