/**
 * Where the detectors engine keeps its resources, results and models: a MetaStore (src/storage). A server with
 * durable or shared storage passes `storage.meta` (the embedded file store on one machine, JetStream KV in a
 * cluster). A server on in-memory storage with a data directory keeps them in `<data-dir>/detectors/meta/`, one
 * file per key written atomically (DirMetaStore), as it kept `state.json` before; without a data directory, in memory.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetaStore } from '../storage/index.ts';

/** A MetaStore over one directory, one file per key (or in memory without a directory). */
export class DirMetaStore implements MetaStore {
  private readonly map = new Map<string, unknown>();

  constructor(private readonly dir: string | undefined) {
    if (!dir) return;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      try {
        this.map.set(decodeURIComponent(n.slice(0, -5)), JSON.parse(readFileSync(join(dir, n), 'utf8')));
      } catch {
        // A file cut short by a crash before its rename cannot exist (writes are atomic); anything else is skipped.
      }
    }
  }

  get<T = unknown>(key: string): T | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : (structuredClone(v) as T);
  }

  keys(prefix: string): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async put(key: string, value: unknown): Promise<void> {
    this.map.set(key, structuredClone(value));
    if (!this.dir) return;
    mkdirSync(this.dir, { recursive: true });
    const name = `${encodeURIComponent(key)}.json`;
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, join(this.dir, name));
  }

  async delete(key: string): Promise<void> {
    this.map.delete(key);
    if (this.dir) rmSync(join(this.dir, `${encodeURIComponent(key)}.json`), { force: true });
  }
}
