/**
 * The ingest routes the server serves, kept in the storage's MetaStore (so
 * they survive a restart like streams do) and matched against request paths:
 * routes with more literal segments win over `{stream}` templates.
 */
import type { MetaStore } from '../storage/index.ts';
import { STREAM_VARIABLE } from './route-spec.ts';
import type { IngestRouteSpec } from './route-spec.ts';

const META_PREFIX = 'ingest/route/';

interface CompiledRoute {
  spec: IngestRouteSpec;
  segments: string[];
  literals: number;
}

export interface RouteMatch {
  spec: IngestRouteSpec;
  stream: string;
}

export class IngestRegistry {
  private readonly routes = new Map<string, CompiledRoute>();
  private ordered: CompiledRoute[] = [];

  constructor(private readonly meta: MetaStore) {
    for (const key of meta.keys(META_PREFIX)) {
      const spec = meta.get<IngestRouteSpec>(key);
      if (spec) this.routes.set(spec.name, compile(spec));
    }
    this.reorder();
  }

  list(): IngestRouteSpec[] {
    return [...this.routes.values()].map((r) => r.spec).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): IngestRouteSpec | undefined {
    return this.routes.get(name)?.spec;
  }

  /** The route other than `name` already serving the same path, if any. */
  conflicting(spec: IngestRouteSpec): IngestRouteSpec | undefined {
    for (const r of this.routes.values()) if (r.spec.name !== spec.name && r.spec.path === spec.path) return r.spec;
    return undefined;
  }

  /** Creates or replaces a route; resolves once durable. */
  async put(spec: IngestRouteSpec): Promise<void> {
    await this.meta.put(META_PREFIX + spec.name, spec);
    this.routes.set(spec.name, compile(spec));
    this.reorder();
  }

  async delete(name: string): Promise<boolean> {
    if (!this.routes.has(name)) return false;
    await this.meta.delete(META_PREFIX + name);
    this.routes.delete(name);
    this.reorder();
    return true;
  }

  /** The route serving `pathname` (already split on '/', without the leading empty segment), and the stream it names. */
  match(segments: readonly string[]): RouteMatch | undefined {
    for (const r of this.ordered) {
      if (r.segments.length !== segments.length) continue;
      let stream = r.spec.stream;
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const want = r.segments[i]!;
        if (want === STREAM_VARIABLE) stream = decodeSegment(segments[i]!);
        else if (want !== segments[i]) {
          ok = false;
          break;
        }
      }
      if (ok && stream !== undefined && stream !== '') return { spec: r.spec, stream };
    }
    return undefined;
  }

  private reorder(): void {
    this.ordered = [...this.routes.values()].sort((a, b) => b.literals - a.literals || a.spec.name.localeCompare(b.spec.name));
  }
}

/** A path segment's text; a malformed %-escape matches no stream (rather than throwing). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function compile(spec: IngestRouteSpec): CompiledRoute {
  const segments = spec.path.slice(1).split('/');
  return { spec, segments, literals: segments.filter((s) => s !== STREAM_VARIABLE).length };
}
