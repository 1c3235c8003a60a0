/**
 * `ingest:` routes of a pipeline file, planned and applied through the
 * server's admin API (`/freshet/ingest-routes`, src/ingest): a route is
 * created or replaced whole; `down` deletes the routes this pipeline made
 * (each route records the pipeline that put it).
 */
import { apiKeySha256, INGEST_ADMIN_ROUTE } from '../ingest/index.ts';
import type { IngestRouteSpec, ListedRoute } from '../ingest/index.ts';
import type { IngestSpec } from './types.ts';

export interface IngestStep {
  resource: 'ingest-route';
  name: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'keep';
  details: string[];
  apply?: () => Promise<void>;
}

async function admin(endpoint: string, method: string, name?: string, body?: unknown): Promise<Response> {
  const url = `${endpoint.replace(/\/$/, '')}${INGEST_ADMIN_ROUTE}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  const res = await fetch(url, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });
  if (res.status === 404 && name === undefined) throw new Error(`${endpoint} serves no ingest routes (${INGEST_ADMIN_ROUTE}): is it a Freshet server?`);
  return res;
}

async function failure(res: Response, what: string): Promise<Error> {
  const text = await res.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON: the text as it came
  }
  return new Error(`${what}: HTTP ${res.status}: ${message}`);
}

export async function listIngestRoutes(endpoint: string): Promise<ListedRoute[]> {
  const res = await admin(endpoint, 'GET');
  if (!res.ok) throw await failure(res, 'listing ingest routes');
  return ((await res.json()) as { routes: ListedRoute[] }).routes;
}

/** The fields `diff` compares, as text (the key as its SHA-256, as the server lists it). */
function describe(r: IngestSpec | ListedRoute): Record<string, string> {
  const out: Record<string, string> = { path: r.path, stream: r.stream ?? '(from the path)' };
  out.partitionKey = r.partitionKey
    ? 'header' in r.partitionKey
      ? `header ${r.partitionKey.header.toLowerCase()}`
      : `field ${r.partitionKey.field}`
    : 'random';
  out.apiKey = 'apiKey' in r && r.apiKey !== undefined ? apiKeySha256(r.apiKey) : 'apiKeySha256' in r && r.apiKeySha256 ? r.apiKeySha256 : '(none)';
  out.methods = [...(r.methods ?? ['POST', 'PUT'])].sort().join(',');
  return out;
}

export async function planIngestRoute(route: IngestSpec, endpoint: string, pipeline: string, existing: readonly ListedRoute[]): Promise<IngestStep> {
  const have = existing.find((r) => r.name === route.name);
  const want = describe(route);
  const put = async () => {
    const spec: IngestRouteSpec = { ...route, pipeline };
    const res = await admin(endpoint, 'PUT', route.name, spec);
    if (!res.ok) throw await failure(res, `ingest route ${route.name}`);
  };
  const shown = (d: Record<string, string>) => Object.entries(d).map(([k, v]) => (k === 'apiKey' && v !== '(none)' ? `${k}=(set)` : `${k}=${v}`));
  if (!have) return { resource: 'ingest-route', name: route.name, action: 'create', details: shown(want), apply: put };
  const now = describe(have);
  const changed = Object.keys(want).filter((k) => want[k] !== now[k]);
  if (!changed.length && have.pipeline === pipeline) return { resource: 'ingest-route', name: route.name, action: 'unchanged', details: [] };
  const details = changed.map((k) => (k === 'apiKey' ? 'apiKey changed' : `${k} ${now[k]} → ${want[k]}`));
  if (have.pipeline !== pipeline) details.push(`owner ${have.pipeline ?? '(none)'} → ${pipeline}`);
  return { resource: 'ingest-route', name: route.name, action: 'update', details, apply: put };
}

export async function planIngestRouteDown(
  route: IngestSpec,
  endpoint: string,
  pipeline: string,
  existing: readonly ListedRoute[],
): Promise<IngestStep | undefined> {
  const have = existing.find((r) => r.name === route.name);
  if (!have) return undefined;
  if (have.pipeline !== pipeline) return { resource: 'ingest-route', name: route.name, action: 'keep', details: [`not created by pipeline ${pipeline}`] };
  return {
    resource: 'ingest-route',
    name: route.name,
    action: 'delete',
    details: [],
    apply: async () => {
      const res = await admin(endpoint, 'DELETE', route.name);
      if (!res.ok && res.status !== 404) throw await failure(res, `deleting ingest route ${route.name}`);
    },
  };
}
