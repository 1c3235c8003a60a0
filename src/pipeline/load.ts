/**
 * Reads and validates a pipeline file. Validation happens once, here: a YAML
 * syntax error, a schema violation (ajv) or a broken reference is reported as
 * `file:line:column: message`, the position taken from the YAML node the
 * error's instancePath names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import AjvImport, { type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isSeq, isPair, isScalar, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { PIPELINE_SCHEMA } from './schema.ts';
import { IngestSpecError, parseRouteSpec } from '../ingest/index.ts';
import type { ApplicationSpec, PipelineSpec } from './types.ts';

export class PipelineError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'PipelineError';
  }
}

export interface LoadedPipeline {
  file: string;
  dir: string;
  spec: PipelineSpec;
}

// Compiled once, by the first pipeline file read (STYLE: validate once, at the edge): compiling costs ~0.1 s,
// which every CLI command importing this folder would otherwise pay at start-up.
const Ajv = AjvImport.default;
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(PIPELINE_SCHEMA);
  return compiled;
}

type Pos = { line: number; col: number };

/** The node at a JSON-pointer path, and the deepest node reached if the path goes further than the document. */
function nodeAt(doc: Document, pointer: string): { node: YamlNode | null; exact: boolean } {
  const parts =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = doc.contents;
  for (const part of parts) {
    if (isMap(cur)) {
      const pair = cur.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === part);
      if (!pair) return { node: cur as YamlNode, exact: false };
      cur = pair.value;
    } else if (isSeq(cur)) {
      const item = cur.items[Number(part)];
      if (item === undefined) return { node: cur as YamlNode, exact: false };
      cur = item;
    } else {
      return { node: (cur as YamlNode) ?? null, exact: false };
    }
  }
  return { node: (cur as YamlNode) ?? null, exact: true };
}

function keyNode(doc: Document, pointer: string, key: string): YamlNode | null {
  const { node } = nodeAt(doc, pointer);
  if (!isMap(node)) return null;
  const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === key);
  return pair && isScalar(pair.key) ? (pair.key as YamlNode) : null;
}

function position(lc: LineCounter, node: YamlNode | null | undefined): Pos {
  const offset = node?.range?.[0] ?? 0;
  return lc.linePos(offset);
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the file' : e.instancePath.slice(1).replace(/\//g, '.');
  switch (e.keyword) {
    case 'required':
      return `${where}: missing required property '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties':
      return `${where}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'enum':
      return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
      if (/^\/applications\/\d+$/.test(e.instancePath)) return `${where}: give exactly one of ApplicationCode (inline SQL) or codeFile`;
      return `${where}: ${e.message}`;
    default:
      return `${where}: ${e.message}`;
  }
}

interface Located {
  pos: Pos;
  text: string;
}

function schemaProblems(doc: Document, lc: LineCounter, file: string, errors: ErrorObject[]): Located[] {
  // A failed oneOf also reports its branches' errors; keep the oneOf line alone for those paths.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: Located[] = [];
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && oneOfPaths.has(e.instancePath) && e.schemaPath.includes('/oneOf/')) continue;
    if (e.keyword === 'type' && oneOfPaths.has(e.instancePath)) continue;
    let node: YamlNode | null;
    if (e.keyword === 'additionalProperties') node = keyNode(doc, e.instancePath, (e.params as { additionalProperty: string }).additionalProperty);
    else node = nodeAt(doc, e.instancePath).node;
    const pos = position(lc, node);
    const text = `${file}:${pos.line}:${pos.col}: ${describeAjvError(e)}`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ pos, text });
  }
  return out;
}

const REF = /\$\{(stream|delivery|queue|function):([^}]+)\}/g;

/** Parses and validates `text` (the contents of `file`); throws PipelineError listing every problem with its line. */
export function parsePipeline(text: string, file: string): LoadedPipeline {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PipelineError(
      file,
      doc.errors.map((e) => {
        const p = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        return `${file}:${p.line}:${p.col}: YAML: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const data = doc.toJS() as unknown;
  const validate = validator();
  if (!validate(data)) {
    const located = schemaProblems(doc, lc, file, validate.errors ?? []);
    located.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    throw new PipelineError(
      file,
      located.map((l) => l.text),
    );
  }
  type RawApp = Omit<ApplicationSpec, 'ApplicationCode'> & { ApplicationCode?: string; codeFile?: string };
  type RawViews = Omit<NonNullable<PipelineSpec['views']>, 'materializedViews' | 'externalSchemas'> & {
    externalSchemas?: Array<{ name: string; iamRole?: string }>;
    materializedViews?: Array<{ name: string; sql?: string; sqlFile?: string }>;
  };
  const raw = data as Omit<PipelineSpec, 'applications' | 'views'> & { applications?: RawApp[]; views?: RawViews };
  const dir = dirname(resolve(file));
  const problems: Located[] = [];
  const at = (pointer: string, message: string) => {
    const pos = position(lc, nodeAt(doc, pointer).node);
    problems.push({ pos, text: `${file}:${pos.line}:${pos.col}: ${message}` });
  };

  const spec: PipelineSpec = {
    name: raw.name,
    description: raw.description,
    defaultRoleArn: raw.defaultRoleArn ?? 'arn:aws:iam::000000000000:role/freshet-pipeline',
    streams: raw.streams ?? [],
    deliveryStreams: raw.deliveryStreams ?? [],
    applications: [],
    generators: raw.generators ?? [],
    queues: raw.queues ?? [],
    functions: (raw.functions ?? []).map((f) => ({ ...f, codeDirectory: resolve(dirname(resolve(file)), f.codeDirectory) })),
    eventSourceMappings: raw.eventSourceMappings ?? [],
    ingest: raw.ingest ?? [],
    detectors: raw.detectors ?? [],
  };

  const dupes = (items: string[], pointer: (i: number) => string, what: string) => {
    const seen = new Map<string, number>();
    items.forEach((n, i) => {
      if (seen.has(n)) at(pointer(i), `${what} '${n}' is declared twice (first at item ${seen.get(n)! + 1})`);
      else seen.set(n, i);
    });
  };
  dupes(
    spec.streams.map((s) => s.name),
    (i) => `/streams/${i}/name`,
    'stream',
  );
  dupes(
    spec.deliveryStreams.map((d) => d.DeliveryStreamName as string),
    (i) => `/deliveryStreams/${i}/DeliveryStreamName`,
    'delivery stream',
  );
  dupes(
    (raw.applications ?? []).map((a) => a.ApplicationName),
    (i) => `/applications/${i}/ApplicationName`,
    'application',
  );
  dupes(
    spec.queues.map((q) => q.QueueName),
    (i) => `/queues/${i}/QueueName`,
    'queue',
  );
  dupes(
    spec.functions.map((f) => f.FunctionName),
    (i) => `/functions/${i}/FunctionName`,
    'function',
  );
  dupes(
    spec.ingest.map((r) => r.name),
    (i) => `/ingest/${i}/name`,
    'ingest route',
  );
  spec.ingest.forEach((r, i) => {
    try {
      parseRouteSpec(r);
    } catch (e) {
      if (e instanceof IngestSpecError) at(`/ingest/${i}`, `ingest route '${r.name}': ${e.message}`);
      else throw e;
    }
  });
  spec.functions.forEach((f, i) => {
    if (!existsSync(f.codeDirectory))
      at(`/functions/${i}/codeDirectory`, `function '${f.FunctionName}': codeDirectory not found (looked for ${f.codeDirectory})`);
  });
  spec.streams.forEach((s, i) => {
    if (s.mode === 'on-demand' && s.shards !== undefined)
      at(`/streams/${i}/shards`, `stream '${s.name}': shards is set by the service in on-demand mode; remove it or use mode: provisioned`);
  });

  (raw.applications ?? []).forEach((a, i) => {
    let code = a.ApplicationCode;
    if (a.codeFile !== undefined) {
      const path = resolve(dir, a.codeFile);
      if (!existsSync(path)) at(`/applications/${i}/codeFile`, `application '${a.ApplicationName}': codeFile ${a.codeFile} not found (looked for ${path})`);
      else code = readFileSync(path, 'utf8');
    }
    if (a.RuntimeEnvironment !== undefined && a.RuntimeEnvironment !== 'SQL-1_0' && (a.Inputs !== undefined || a.Outputs !== undefined))
      at(
        `/applications/${i}/${a.Inputs !== undefined ? 'Inputs' : 'Outputs'}`,
        `application '${a.ApplicationName}': a ${a.RuntimeEnvironment} application declares its sources and sinks in its SQL (CREATE TABLE ... WITH ('connector' = 'kinesis', ...)); remove Inputs/Outputs`,
      );
    const { codeFile: _codeFile, ...rest } = a;
    spec.applications.push({ ...rest, ApplicationCode: code ?? '' });
  });

  if (raw.views !== undefined) {
    const views: NonNullable<PipelineSpec['views']> = {
      ...(raw.views.postgres !== undefined ? { postgres: raw.views.postgres } : {}),
      externalSchemas: raw.views.externalSchemas ?? [],
      materializedViews: [],
    };
    (raw.views.materializedViews ?? []).forEach((v, i) => {
      let sql = v.sql ?? '';
      if (v.sqlFile !== undefined) {
        const path = resolve(dir, v.sqlFile);
        if (!existsSync(path))
          at(`/views/materializedViews/${i}/sqlFile`, `materialized view '${v.name}': sqlFile ${v.sqlFile} not found (looked for ${path})`);
        else sql = readFileSync(path, 'utf8');
      }
      if (sql !== '' && !new RegExp(`^\\s*(?:--[^\\n]*\\n\\s*)*create\\s+materialized\\s+view\\s+("?)${v.name}\\1(?=\\s|$)`, 'i').test(sql)) {
        at(`/views/materializedViews/${i}`, `materialized view '${v.name}': its SQL must be CREATE MATERIALIZED VIEW ${v.name} … (the name the file gives it)`);
      }
      views.materializedViews.push({ name: v.name, sql: sql.trim().replace(/;\s*$/, '') });
    });
    dupes(
      views.materializedViews.map((v) => v.name),
      (i) => `/views/materializedViews/${i}/name`,
      'materialized view',
    );
    spec.views = views;
  }

  spec.generators.forEach((g, i) => {
    if (g.kind === 'replay') {
      if (!g.file) at(`/generators/${i}`, `generator ${i + 1}: replay needs file:`);
      else if (!existsSync(resolve(dir, g.file))) at(`/generators/${i}/file`, `generator ${i + 1}: file ${g.file} not found`);
    }
    if (g.rate !== undefined && g.every !== undefined) at(`/generators/${i}/every`, `generator ${i + 1}: give rate or every, not both`);
  });

  // Every ${stream:x} / ${delivery:x} must name a resource of this file.
  const names: Record<string, Set<string>> = {
    stream: new Set(spec.streams.map((s) => s.name)),
    delivery: new Set(spec.deliveryStreams.map((d) => d.DeliveryStreamName as string)),
    queue: new Set(spec.queues.map((q) => q.QueueName)),
    function: new Set(spec.functions.map((f) => f.FunctionName)),
  };
  const words: Record<string, string> = { stream: 'stream', delivery: 'delivery stream', queue: 'queue', function: 'function' };
  const walk = (value: unknown, pointer: string) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(REF)) {
        const known = names[m[1]!]!;
        if (!known.has(m[2]!)) at(pointer, `${m[0]} does not name a ${words[m[1]!]} of this file (known: ${[...known].join(', ') || 'none'})`);
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(raw.deliveryStreams ?? [], '/deliveryStreams');
  walk(raw.applications ?? [], '/applications');
  walk(raw.functions ?? [], '/functions');
  walk(raw.eventSourceMappings ?? [], '/eventSourceMappings');

  if (problems.length) {
    problems.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    throw new PipelineError(
      file,
      problems.map((p) => p.text),
    );
  }
  return { file, dir, spec };
}

export function loadPipeline(file: string): LoadedPipeline {
  if (!existsSync(file)) throw new Error(`${file} not found — pass the pipeline file with -f (see examples/)`);
  return parsePipeline(readFileSync(file, 'utf8'), file);
}
