/**
 * What `freshet up` created, recorded next to the pipeline file
 * (`.freshet/<pipeline>.json`, per endpoint). `down` deletes a resource only
 * when this record or the resource's `freshet:pipeline` tag says this
 * pipeline created it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface StateFile {
  pipeline: string;
  endpoints: Record<string, { created: string[] }>;
}

export class PipelineState {
  private readonly path: string;
  private data: StateFile;

  /** `stateDir` is the folder holding the record (default: `.freshet` next to the pipeline file). */
  constructor(
    stateDir: string,
    pipeline: string,
    private readonly endpoint: string,
  ) {
    this.path = join(stateDir, `${pipeline}.json`);
    this.data = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as StateFile) : { pipeline, endpoints: {} };
  }

  private entry() {
    return (this.data.endpoints[this.endpoint] ??= { created: [] });
  }

  created(key: string): boolean {
    return this.data.endpoints[this.endpoint]?.created.includes(key) ?? false;
  }

  markCreated(key: string): void {
    const e = this.entry();
    if (!e.created.includes(key)) e.created.push(key);
    this.save();
  }

  markDeleted(key: string): void {
    const e = this.data.endpoints[this.endpoint];
    if (!e?.created.includes(key)) return;
    e.created = e.created.filter((k) => k !== key);
    this.save();
  }

  private save(): void {
    // Nothing left to remember: no file, rather than a list of empty endpoints.
    for (const [k, v] of Object.entries(this.data.endpoints)) if (v.created.length === 0) delete this.data.endpoints[k];
    if (Object.keys(this.data.endpoints).length === 0) {
      rmSync(this.path, { force: true });
      return;
    }
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}
