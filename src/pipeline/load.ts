/**
 * Reads and validates a pipeline file. Validation happens once, here: a YAML
 * syntax error, a schema violation (ajv) or a broken reference is reported as
 * `file:line:column: message`, the position taken from the YAML node the
 * error's instancePath names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import AjvImport, { type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isMap, isSeq, isPair, isScalar, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { firehoseModel } from '../aws/models/firehose.ts';
import { kinesisAnalyticsModel } from '../aws/models/kinesisanalytics.ts';
import { cloudWatchModel } from '../aws/models/cloudwatch.ts';
import { parseType, SqlApplication, SqlError, type ColumnDef } from '../sql/index.ts';
import { checkAgainstModel, closest, displayPath } from './model-check.ts';
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
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(PIPELINE_SCHEMA);
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
  const where = displayPath(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return `${where}: missing required property '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      const guess = closest(key, known);
      const hint = guess !== undefined ? `; did you mean ${guess}?` : known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return `${where === 'the file' ? key : `${where}.${key}`}: unknown property${hint}`;
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
      return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${guess !== undefined ? `; did you mean ${guess}?` : ''}`;
    }
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

/** Delivery streams and applications checked against Firehose's and Kinesis Analytics' service models. */
function awsProblems(doc: Document, lc: LineCounter, file: string, data: unknown): Located[] {
  const out: Located[] = [];
  const root = (data ?? {}) as { deliveryStreams?: unknown; applications?: unknown; alarms?: unknown; dashboards?: unknown };
  const blocks: Array<{ items: unknown; pointer: string; check: (v: unknown, p: string) => ReturnType<typeof checkAgainstModel> }> = [
    { items: root.deliveryStreams, pointer: '/deliveryStreams', check: (v, p) => checkAgainstModel(firehoseModel, 'CreateDeliveryStreamInput', v, p) },
    {
      items: root.applications,
      pointer: '/applications',
      // Flink (KinesisAnalyticsV2-shaped) applications are checked by the pipeline schema; KDA SQL ones against the v1 model.
      check: (v, p) =>
        isFlinkRuntime((v as { RuntimeEnvironment?: unknown }).RuntimeEnvironment)
          ? []
          : checkAgainstModel(kinesisAnalyticsModel, 'CreateApplicationRequest', v, p, ['codeFile', 'start']),
    },
    {
      items: root.alarms,
      pointer: '/alarms',
      check: (v, p) => checkAgainstModel(cloudWatchModel, 'AlarmRule' in (v as object) ? 'PutCompositeAlarmInput' : 'PutMetricAlarmInput', v, p),
    },
    {
      items: root.dashboards,
      pointer: '/dashboards',
      // A mapping body is written as JSON when applied; PutDashboard validates its widgets then.
      check: (v, p) =>
        checkAgainstModel(
          cloudWatchModel,
          'PutDashboardInput',
          v,
          p,
          typeof (v as { DashboardBody?: unknown }).DashboardBody === 'string' ? [] : ['DashboardBody'],
        ),
    },
  ];
  for (const b of blocks) {
    if (!Array.isArray(b.items)) continue;
    b.items.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
      for (const p of b.check(item, `${b.pointer}/${i}`)) {
        const pos = position(lc, p.key !== undefined ? keyNode(doc, p.pointer, p.key) : nodeAt(doc, p.pointer).node);
        out.push({ pos, text: `${file}:${pos.line}:${pos.col}: ${p.message}` });
      }
    });
  }
  return out;
}

const REF = /\$\{(stream|delivery|queue|function):([^}]+)\}/g;

/** A KinesisAnalyticsV2 runtime other than SQL-1_0 (FLINK-*, ZEPPELIN-FLINK-*): the application is Flink SQL. */
function isFlinkRuntime(runtime: unknown): boolean {
  return runtime !== undefined && runtime !== 'SQL-1_0';
}

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
  const located = validate(data) ? [] : schemaProblems(doc, lc, file, validate.errors ?? []);
  located.push(...awsProblems(doc, lc, file, data));
  if (located.length > 0) {
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
    alarms: raw.alarms ?? [],
    dashboards: raw.dashboards ?? [],
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
    spec.alarms.map((a) => a.AlarmName),
    (i) => `/alarms/${i}/AlarmName`,
    'alarm',
  );
  dupes(
    spec.dashboards.map((d) => d.DashboardName),
    (i) => `/dashboards/${i}/DashboardName`,
    'dashboard',
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

  // The application's SQL compiled as the service will compile it: against its inputs' declared columns
  // (in-application stream <NamePrefix>_001), errors at their line in the .sql file (or in the inline code).
  const checkSql = (a: RawApp, i: number, code: string) => {
    const inputs: { name: string; columns: ColumnDef[] }[] = [];
    let columnsOk = true;
    (a.Inputs ?? []).forEach((input, j) => {
      const schema = (input as { NamePrefix?: string; InputSchema?: { RecordColumns?: Array<{ Name?: string; SqlType?: string }> } }) ?? {};
      const columns: ColumnDef[] = [];
      (schema.InputSchema?.RecordColumns ?? []).forEach((c, k) => {
        try {
          columns.push({ name: c.Name ?? '', type: parseType(c.SqlType ?? '') });
        } catch (e) {
          columnsOk = false;
          at(
            `/applications/${i}/Inputs/${j}/InputSchema/RecordColumns/${k}/SqlType`,
            `${JSON.stringify(c.SqlType)} is not a SQL type: ${e instanceof SqlError ? e.reason : String(e)}`,
          );
        }
      });
      inputs.push({ name: `${schema.NamePrefix ?? 'SOURCE_SQL_STREAM'}_001`, columns });
    });
    if (!columnsOk) return;
    try {
      SqlApplication.compile(code, { inputs }).close();
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      const app = `application '${a.ApplicationName}'`;
      if (a.codeFile !== undefined) {
        const pos = position(lc, nodeAt(doc, `/applications/${i}/codeFile`).node);
        const where = e.line ? `${join(dirname(file), a.codeFile)}:${e.line}:${e.column}` : join(dirname(file), a.codeFile);
        problems.push({ pos, text: `${where}: ${e.reason} (${app}, codeFile of ${file}:${pos.line})` });
      } else {
        const node = nodeAt(doc, `/applications/${i}/ApplicationCode`).node;
        const start = position(lc, node);
        // A block scalar's text starts on the line after its `|`; its lines keep their indentation in the file.
        const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
        const line = block ? start.line + e.line : start.line;
        const indent = block ? (/^\s*/.exec(text.split('\n')[line - 1] ?? '')?.[0].length ?? 0) : start.col;
        const pos = e.line ? { line, col: indent + e.column } : start;
        problems.push({ pos, text: `${file}:${pos.line}:${pos.col}: ${e.reason} (${app}, ApplicationCode)` });
      }
    }
  };

  (raw.applications ?? []).forEach((a, i) => {
    let code = a.ApplicationCode;
    if (a.codeFile !== undefined) {
      const path = resolve(dir, a.codeFile);
      if (!existsSync(path)) at(`/applications/${i}/codeFile`, `application '${a.ApplicationName}': codeFile ${a.codeFile} not found (looked for ${path})`);
      else code = readFileSync(path, 'utf8');
    }
    if (isFlinkRuntime(a.RuntimeEnvironment)) {
      if (a.Inputs !== undefined || a.Outputs !== undefined)
        at(
          `/applications/${i}/${a.Inputs !== undefined ? 'Inputs' : 'Outputs'}`,
          `application '${a.ApplicationName}': a ${a.RuntimeEnvironment} application declares its sources and sinks in its SQL (CREATE TABLE ... WITH ('connector' = 'kinesis', ...)); remove Inputs/Outputs`,
        );
    } else if (code !== undefined && code !== '') checkSql(a, i, code);
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
