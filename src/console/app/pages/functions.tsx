/**
 * Functions (the Lambda-compatible API): the list, and one function's configuration, event source mappings,
 * its AWS/Lambda metrics (Invocations, Errors, Throttles, Duration) over the last hour, refreshed every 5 s, and
 * its latest log lines, refreshed every 2 s. A function is invoked from its page with a test event (Invoke with
 * LogType Tail, as the Lambda console's Test tab does): its status, response and log tail are shown. Its event
 * source mappings are enabled and disabled there (UpdateEventSourceMapping with Enabled), created (from a stream or,
 * when the server mounts SQS, a queue) and deleted.
 * Functions are created from code typed into the page (zipped in the browser with fflate: CreateFunction's
 * ZipFile), their code and configuration changed (UpdateFunctionCode, UpdateFunctionConfiguration) and deleted;
 * versions are published, aliases created, moved and deleted, and reserved concurrency set and removed.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import {
  accountId,
  awsRest,
  currentRegion,
  awsRestRaw,
  consoleFetch,
  errorText,
  hasCloudWatch,
  hasQueues,
  listQueueUrls,
  queueArn,
  roleArn,
  streamArn,
  toBase64,
  useLive,
  useLoad,
} from '../api.ts';
import { OutcomeText, useAction, useFields } from '../forms.tsx';
import type { Action } from '../forms.tsx';
import { time } from '../format.ts';
import { link } from '../main.tsx';
import { color, MetricDataChart, useMetricData } from '../metrics.tsx';
import type { MetricData, MetricQuery } from '../metrics.tsx';

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Handler?: string;
  MemorySize?: number;
  Timeout?: number;
  State?: string;
  LastModified?: string;
  CodeSize?: number;
  Description?: string;
  Role?: string;
  Environment?: { Variables?: Record<string, string> };
  LastUpdateStatus?: string;
}

interface Mapping {
  UUID: string;
  EventSourceArn?: string;
  State?: string;
  BatchSize?: number;
  StartingPosition?: string;
  LastProcessingResult?: string;
  MaximumBatchingWindowInSeconds?: number;
  FilterCriteria?: { Filters?: Array<{ Pattern?: string }> };
  DestinationConfig?: { OnFailure?: { Destination?: string } };
  BisectBatchOnFunctionError?: boolean;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  FunctionResponseTypes?: string[];
  TumblingWindowInSeconds?: number;
  ParallelizationFactor?: number;
  ScalingConfig?: { MaximumConcurrency?: number };
}

interface LogLine {
  timestamp: number;
  logStreamName: string;
  message: string;
}

const LAMBDA = '/2015-03-31';

export function FunctionsPage({ name }: { name: string | undefined }) {
  return name ? <FunctionDetail name={name} /> : <FunctionList />;
}

/** What the list says first after a function's page deleted it (shown once). */
let deletedNotice: string | undefined;

const RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs18.x', 'python3.12', 'python3.13', 'python3.11'];

/** A starter handler per runtime family: its file name, handler setting and code. */
function starter(runtime: string): { file: string; handler: string; code: string } {
  if (runtime.startsWith('python'))
    return {
      file: 'lambda_function.py',
      handler: 'lambda_function.lambda_handler',
      code: "def lambda_handler(event, context):\n    print('event', event)\n    return {'ok': True}\n",
    };
  return {
    file: 'index.mjs',
    handler: 'index.handler',
    code: "export const handler = async (event) => {\n  console.log('event', JSON.stringify(event));\n  return { ok: true };\n};\n",
  };
}

/** A deployment package (base64 for ZipFile) holding `files`, zipped in the browser. */
function zipFile(files: Record<string, string>): string {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  return toBase64(zipSync(entries));
}

/** CreateFunction from code typed into the form: one file, zipped in the browser. */
function CreateFunction({ onCreated }: { onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState(RUNTIMES[0]!);
  const [file, setFile] = useState(starter(RUNTIMES[0]!).file);
  const [handler, setHandler] = useState(starter(RUNTIMES[0]!).handler);
  const [code, setCode] = useState(starter(RUNTIMES[0]!).code);
  const [role, setRole] = useState('');
  // A container image (PackageType Image) is offered as on AWS; a server that runs only zip packages refuses it in its words.
  const [image, setImage] = useState(false);
  const [imageUri, setImageUri] = useState('');
  const action = useAction();
  useEffect(() => {
    roleArn('lambda-role').then(
      (r) => setRole((v) => v || r),
      () => undefined, // the field stays empty (required): the user types the role
    );
  }, []);
  const pickRuntime = (r: string) => {
    // A new family gets its starter file, handler and code unless the code was edited.
    const before = starter(runtime);
    const after = starter(r);
    setRuntime(r);
    if (code === before.code) {
      setFile(after.file);
      setHandler(after.handler);
      setCode(after.code);
    }
  };
  const create = action.submit(
    () => `Created ${name}`,
    async () => {
      await awsRest(
        'lambda',
        'POST',
        `${LAMBDA}/functions`,
        image
          ? { FunctionName: name, Role: role, PackageType: 'Image', Code: { ImageUri: imageUri } }
          : { FunctionName: name, Runtime: runtime, Role: role, Handler: handler, Code: { ZipFile: zipFile({ [file]: code }) } },
      );
      setOpen(false);
      setName('');
      onCreated();
    },
  );
  return (
    <div>
      <p class="row">
        <button type="button" onClick={() => setOpen(!open)} data-testid="create-function-open">
          Create function
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
      {open ? (
        <form class="card dialog" onSubmit={create} data-testid="create-function">
          <h3>Create a function</h3>
          <label>
            Name <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          </label>
          <label>
            Package type{' '}
            <select name="packageType" value={image ? 'Image' : 'Zip'} onChange={(e) => setImage(e.currentTarget.value === 'Image')}>
              <option value="Zip">Zip (code typed here)</option>
              <option value="Image">Container image</option>
            </select>
          </label>
          <label>
            Execution role <input name="role" value={role} onInput={(e) => setRole(e.currentTarget.value)} required size={50} />
          </label>
          {image ? (
            <label>
              Image URI{' '}
              <input
                name="imageUri"
                value={imageUri}
                onInput={(e) => setImageUri(e.currentTarget.value)}
                required
                size={60}
                placeholder="123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"
              />
            </label>
          ) : (
            <>
              <label>
                Runtime{' '}
                <select name="runtime" value={runtime} onChange={(e) => pickRuntime(e.currentTarget.value)}>
                  {RUNTIMES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>{' '}
                Handler <input name="handler" value={handler} onInput={(e) => setHandler(e.currentTarget.value)} required />
              </label>
              <label>
                File <input name="file" value={file} onInput={(e) => setFile(e.currentTarget.value)} required />
              </label>
              <textarea name="code" rows={8} aria-label="Code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
            </>
          )}
          <p class="row">
            <button type="submit">Create</button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </p>
        </form>
      ) : null}
    </div>
  );
}

function FunctionList() {
  const list = useLoad(() => awsRest<{ Functions: FunctionConfiguration[] }>('lambda', 'GET', `${LAMBDA}/functions/`), []);
  const [notice] = useState(() => {
    const n = deletedNotice;
    deletedNotice = undefined;
    return n;
  });
  return (
    <div>
      <h1>Functions</h1>
      {notice ? <p class="message">{notice}</p> : null}
      {list.error ? <p class="error">{list.error}</p> : null}
      <table class="list" data-testid="functions">
        <thead>
          <tr>
            <th>Name</th>
            <th>Runtime</th>
            <th>Handler</th>
            <th>State</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.Functions.map((f) => (
            <tr key={f.FunctionName} data-name={f.FunctionName}>
              <td>
                <a href={link('functions', f.FunctionName)}>{f.FunctionName}</a>
              </td>
              <td>{f.Runtime ?? 'image'}</td>
              <td class="mono small">{f.Handler}</td>
              <td>{f.State ?? 'Active'}</td>
              <td class="small">{f.LastModified}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.Functions.length === 0 ? (
        <p class="muted">No functions yet: create one here, with `aws lambda create-function` or a freshet.yaml.</p>
      ) : null}
      <CreateFunction onCreated={list.reload} />
    </div>
  );
}

/** The AWS/Lambda metrics of one function (FunctionName dimension), as Lambda's console charts them. */
function lambdaQueries(name: string): MetricQuery[] {
  const metric = (id: string, metricName: string, stat: string, c: number, right = false): MetricQuery => ({
    id,
    label: stat === 'Sum' ? metricName : `${metricName} ${stat}`,
    color: color(c),
    namespace: 'AWS/Lambda',
    metricName,
    dimensions: { FunctionName: name },
    stat,
    ...(right ? { right: true } : {}),
  });
  return [
    metric('invocations', 'Invocations', 'Sum', 0),
    metric('errors', 'Errors', 'Sum', 1),
    metric('throttles', 'Throttles', 'Sum', 2),
    metric('durationAvg', 'Duration', 'Average', 3),
    metric('durationMax', 'Duration', 'Maximum', 4),
  ];
}

const METRIC_MINUTES = 60;

/** Totals over the charted hour: counts summed; the mean duration weighted by each minute's invocations. */
function totals(data: MetricData): { invocations: number; errors: number; throttles: number; avgMs: number | undefined; maxMs: number | undefined } {
  const values = (id: string) => data.series.find((s) => s.query.id === id)?.values ?? [];
  const sum = (id: string) => values(id).reduce<number>((a, v) => a + (v ?? 0), 0);
  const inv = values('invocations');
  const avg = values('durationAvg');
  let weighted = 0;
  let weight = 0;
  avg.forEach((v, i) => {
    const n = inv[i] ?? 0;
    if (v !== null && n) {
      weighted += v * n;
      weight += n;
    }
  });
  const maxima = values('durationMax').filter((v): v is number => v !== null);
  return {
    invocations: sum('invocations'),
    errors: sum('errors'),
    throttles: sum('throttles'),
    avgMs: weight ? weighted / weight : undefined,
    maxMs: maxima.length ? Math.max(...maxima) : undefined,
  };
}

function FunctionMetrics({ name }: { name: string }) {
  const queries = useMemo(() => lambdaQueries(name), [name]);
  const { data, error } = useMetricData(queries, METRIC_MINUTES, 60, 5000);
  if (error) return <p class="muted small">AWS/Lambda metrics: {error}</p>;
  if (!data) return <p class="muted small">AWS/Lambda metrics: loading…</p>;
  const t = totals(data);
  const only = (ids: string[]): MetricData => ({ ...data, series: data.series.filter((s) => ids.includes(s.query.id)) });
  return (
    <div>
      <p data-testid="invocations">
        <b>{t.invocations}</b> invocation(s), <b class={t.errors ? 'error' : ''}>{t.errors}</b> error(s), <b>{t.throttles}</b> throttle(s)
        {t.avgMs !== undefined ? `, duration ${t.avgMs.toFixed(1)} ms on average (max ${(t.maxMs ?? 0).toFixed(1)} ms)` : ''} in the last hour
        <span class="muted small"> (AWS/Lambda metrics)</span>
      </p>
      <div class="charts">
        <MetricDataChart title="Invocations, errors and throttles" data={only(['invocations', 'errors', 'throttles'])} minutes={METRIC_MINUTES} />
        <MetricDataChart title="Duration (ms)" data={only(['durationAvg', 'durationMax'])} minutes={METRIC_MINUTES} />
      </div>
    </div>
  );
}

function FunctionDetail({ name }: { name: string }) {
  const config = useLoad(() => awsRest<FunctionConfiguration>('lambda', 'GET', `${LAMBDA}/functions/${encodeURIComponent(name)}/configuration`), [name]);
  const [mappingTick, setMappingTick] = useState(0);
  const mappings = useLoad(
    () => awsRest<{ EventSourceMappings: Mapping[] }>('lambda', 'GET', `${LAMBDA}/event-source-mappings/?FunctionName=${encodeURIComponent(name)}`),
    [name, mappingTick],
  );
  // Mapping states move on their own (Updating → Enabled / Disabled, last results): listed again every 5 s.
  useEffect(() => {
    const t = setInterval(() => setMappingTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  // Every mapping action (create, edit, enable/disable, delete) shows its outcome in one place and lists the mappings again.
  const mappingAction = useAction(() => setMappingTick((n) => n + 1));
  const [editingMapping, setEditingMapping] = useState<string | undefined>();
  const editing = mappings.data?.EventSourceMappings.find((m) => m.UUID === editingMapping);
  const setEnabled = (m: Mapping, enabled: boolean) =>
    void mappingAction.run(`${enabled ? 'Enabling' : 'Disabling'} the mapping from ${m.EventSourceArn ?? m.UUID}…`, () =>
      awsRest('lambda', 'PUT', `${LAMBDA}/event-source-mappings/${encodeURIComponent(m.UUID)}`, { Enabled: enabled }),
    );
  const deleteMapping = (m: Mapping) =>
    void mappingAction.run(
      `Deleting the mapping from ${m.EventSourceArn ?? m.UUID}…`,
      () => awsRest('lambda', 'DELETE', `${LAMBDA}/event-source-mappings/${encodeURIComponent(m.UUID)}`),
      { confirm: `Delete the event source mapping from ${m.EventSourceArn ?? m.UUID}? The function stops reading that source.` },
    );
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [logError, setLogError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await consoleFetch(`/freshet/function-logs/${encodeURIComponent(name)}`);
        if (!res.ok) throw new Error((await res.text()).trim());
        const text = await res.text();
        if (!stopped)
          setLogs(
            text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as LogLine),
          );
        setLogError(undefined);
      } catch (e) {
        setLogError(e instanceof Error ? e.message : String(e));
      }
      if (!stopped) timer = setTimeout(poll, 2000);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [name]);
  const c = config.data;
  return (
    <div>
      <p class="crumbs">
        <a href={link('functions')}>Functions</a> / {name}
      </p>
      <h1>{name}</h1>
      {config.error ? <p class="error">{config.error}</p> : null}
      {c ? (
        <p class="muted">
          {c.FunctionArn} · {c.Runtime ?? 'image'} · handler {c.Handler} · {c.MemorySize} MB · timeout {c.Timeout} s · {c.State ?? 'Active'}
        </p>
      ) : null}
      {c ? <ManageFunction config={c} onChange={config.reload} /> : null}
      <VersionsAndAliases name={name} />
      {hasCloudWatch() ? <FunctionMetrics name={name} /> : <p class="muted small">No CloudWatch API on this server: no AWS/Lambda metrics.</p>}
      <InvokePanel name={name} />
      <h2>Event source mappings</h2>
      {mappings.error ? <p class="error">{mappings.error}</p> : null}
      <div data-testid="mapping-outcome">
        <OutcomeText outcome={mappingAction.outcome} />
      </div>
      <table class="list" data-testid="mappings">
        <thead>
          <tr>
            <th>UUID</th>
            <th>Source</th>
            <th>State</th>
            <th>Batch size</th>
            <th>Starting position</th>
            <th>Options</th>
            <th>Last result</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {mappings.data?.EventSourceMappings.map((m) => (
            <tr key={m.UUID} data-uuid={m.UUID}>
              <td class="mono small">{m.UUID}</td>
              <td class="small">{m.EventSourceArn}</td>
              <td>{m.State}</td>
              <td>{m.BatchSize}</td>
              <td>{m.StartingPosition ?? '—'}</td>
              <td class="small" data-testid="mapping-options">
                {mappingSummary(m)}
              </td>
              <td class="small">{m.LastProcessingResult ?? '—'}</td>
              <td>
                {m.State === 'Enabled' || m.State === 'Disabled' ? (
                  <button type="button" onClick={() => setEditingMapping(editingMapping === m.UUID ? undefined : m.UUID)}>
                    Edit
                  </button>
                ) : null}{' '}
                {m.State === 'Enabled' || m.State === 'Disabled' ? (
                  <button type="button" disabled={mappingAction.busy} onClick={() => setEnabled(m, m.State === 'Disabled')}>
                    {m.State === 'Disabled' ? 'Enable' : 'Disable'}
                  </button>
                ) : null}{' '}
                {m.State !== 'Deleting' ? (
                  <button type="button" class="danger" disabled={mappingAction.busy} onClick={() => deleteMapping(m)}>
                    Delete
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing ? <EditMapping key={editing.UUID} mapping={editing} action={mappingAction} onSaved={() => setEditingMapping(undefined)} /> : null}
      <CreateMapping name={name} action={mappingAction} />
      <h2>Logs</h2>
      {logError ? <p class="error">{logError}</p> : null}
      <pre class="logs" data-testid="function-logs">
        {logs
          .slice(-200)
          .map((l) => `${time(l.timestamp)}  ${l.message.trimEnd()}`)
          .join('\n')}
      </pre>
    </div>
  );
}

interface InvokeResult {
  status: number;
  functionError: string | null;
  payload: string;
  log: string;
}

/** UTF-8 text of base64 (X-Amz-Log-Result). */
function fromBase64(b64: string): string {
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/**
 * The Lambda console's Test tab: a JSON event, invoked synchronously with LogType Tail; the status code, the
 * function error (X-Amz-Function-Error) when it failed, the response payload and the last 4 KB of its log.
 */
function InvokePanel({ name }: { name: string }) {
  const [event, setEvent] = useState('{}');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<InvokeResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const invoke = async () => {
    setError(undefined);
    try {
      JSON.parse(event);
    } catch (e) {
      setError(`The test event is not JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const r = await awsRestRaw('lambda', 'POST', `${LAMBDA}/functions/${encodeURIComponent(name)}/invocations`, event, {
        'content-type': 'application/json',
        'x-amz-invocation-type': 'RequestResponse',
        'x-amz-log-type': 'Tail',
      });
      if (r.status >= 300) {
        // The service refused the call (not the function failing): AWS's error type and message.
        const body = r.text ? (JSON.parse(r.text) as { message?: string; Message?: string }) : {};
        const type = (r.headers.get('x-amzn-errortype') ?? String(r.status)).split(':')[0];
        setError(`${type}: ${body.message ?? body.Message ?? r.text}`);
        setResult(undefined);
      } else {
        const log = r.headers.get('x-amz-log-result');
        setResult({ status: r.status, functionError: r.headers.get('x-amz-function-error'), payload: r.text, log: log ? fromBase64(log) : '' });
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card" data-testid="invoke">
      <h2>Test</h2>
      <p class="small muted">Invoke the function synchronously with this event (JSON).</p>
      <textarea rows={4} cols={80} class="mono" aria-label="Test event" value={event} onInput={(e) => setEvent((e.target as HTMLTextAreaElement).value)} />
      <p>
        <button type="button" disabled={busy} onClick={() => void invoke()}>
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
      </p>
      {error ? <p class="error">{error}</p> : null}
      {result ? (
        <div data-testid="invoke-result">
          <p class={result.functionError ? 'error' : 'message'}>
            {result.functionError ? `Failed (${result.functionError})` : 'Succeeded'} · status {result.status}
          </p>
          <h3>Response</h3>
          <pre class="logs" data-testid="invoke-payload">
            {result.payload}
          </pre>
          <h3>Log output</h3>
          <pre class="logs" data-testid="invoke-log">
            {result.log}
          </pre>
        </div>
      ) : null}
    </div>
  );
}

/** The file the handler setting names (`index.handler` → index.mjs, index.js, index.cjs; `app.main` → app.py) among the package's files. */
function handlerFile(handler: string | undefined, files: string[]): string | undefined {
  const module = (handler ?? '').slice(0, (handler ?? '').lastIndexOf('.'));
  return files.find((f) => f.replace(/\.(mjs|cjs|js|ts|py)$/, '') === module) ?? files.find((f) => /\.(mjs|cjs|js|py)$/.test(f));
}

/**
 * The function's code (the handler's file of its current package, from GetFunction's Code.Location, unzipped in
 * the browser) and configuration, each saved with its own call, and delete after a confirmation.
 */
function ManageFunction({ config, onChange }: { config: FunctionConfiguration; onChange: () => void }) {
  const name = config.FunctionName;
  const [files, setFiles] = useState<Record<string, Uint8Array> | undefined>();
  const [file, setFile] = useState<string | undefined>();
  const [code, setCode] = useState('');
  const [loadError, setLoadError] = useState<string | undefined>();
  const action = useAction(onChange);
  const [handler, setHandler] = useState(config.Handler ?? '');
  const [memory, setMemory] = useState(String(config.MemorySize ?? 128));
  const [timeout, setTimeoutS] = useState(String(config.Timeout ?? 3));
  const [description, setDescription] = useState(config.Description ?? '');
  const [env, setEnv] = useState(
    Object.entries(config.Environment?.Variables ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const [tab, setTab] = useState<'code' | 'config' | undefined>(undefined);
  const loadCode = async () => {
    try {
      const f = await awsRest<{ Code?: { Location?: string } }>('lambda', 'GET', `${LAMBDA}/functions/${encodeURIComponent(name)}`);
      const location = f.Code?.Location;
      if (!location) throw new Error('GetFunction gave no Code.Location (an image function?)');
      const url = new URL(location);
      const res = await consoleFetch(url.pathname);
      if (!res.ok) throw new Error(`${res.status} ${(await res.text()).trim()}`);
      const unzipped = unzipSync(new Uint8Array(await res.arrayBuffer()));
      const chosen = handlerFile(config.Handler, Object.keys(unzipped));
      setFiles(unzipped);
      setFile(chosen);
      setCode(chosen ? strFromU8(unzipped[chosen]!) : '');
      setLoadError(undefined);
    } catch (e) {
      setLoadError(errorText(e));
    }
  };
  const saveCode = (e: Event) => {
    e.preventDefault();
    // The edited file replaces its old self; the package's other files are kept as they were.
    const entries: Record<string, string> = {};
    for (const [k, v] of Object.entries(files ?? {})) if (!k.endsWith('/')) entries[k] = strFromU8(v);
    entries[file ?? 'index.mjs'] = code;
    void action.run('Code updated', () => awsRest('lambda', 'PUT', `${LAMBDA}/functions/${encodeURIComponent(name)}/code`, { ZipFile: zipFile(entries) }));
  };
  const saveConfig = (e: Event) => {
    e.preventDefault();
    const variables: Record<string, string> = {};
    for (const line of env.split('\n')) {
      const i = line.indexOf('=');
      if (line.trim() && i > 0) variables[line.slice(0, i).trim()] = line.slice(i + 1);
    }
    void action.run('Configuration updated', () =>
      awsRest('lambda', 'PUT', `${LAMBDA}/functions/${encodeURIComponent(name)}/configuration`, {
        Handler: handler,
        MemorySize: Number(memory),
        Timeout: Number(timeout),
        Description: description,
        Environment: { Variables: variables },
      }),
    );
  };
  const remove = () =>
    void action.run(
      `Deleted ${name}.`,
      async () => {
        await awsRest('lambda', 'DELETE', `${LAMBDA}/functions/${encodeURIComponent(name)}`);
        deletedNotice = `Deleted ${name}.`;
        location.hash = link('functions');
      },
      { confirm: `Delete function ${name}? Its versions, aliases and event source mappings stop working.` },
    );
  return (
    <div data-testid="manage-function">
      <p class="row">
        <button
          type="button"
          onClick={() => {
            setTab(tab === 'code' ? undefined : 'code');
            if (!files) void loadCode();
          }}
        >
          Edit code
        </button>
        <button type="button" onClick={() => setTab(tab === 'config' ? undefined : 'config')}>
          Edit configuration
        </button>
        <button type="button" class="danger" onClick={remove} data-testid="function-delete">
          Delete function
        </button>
        <OutcomeText outcome={action.outcome} inline />
      </p>
      {tab === 'code' ? (
        <form class="card dialog" onSubmit={saveCode} data-testid="function-code">
          <h3>Code</h3>
          {loadError ? <p class="error">{loadError}</p> : null}
          <label>
            File <input name="file" value={file ?? ''} onInput={(e) => setFile(e.currentTarget.value)} required />
            <span class="muted small"> ({Object.keys(files ?? {}).length} file(s) in the package; the others are kept)</span>
          </label>
          <textarea name="code" rows={10} aria-label="Code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <p class="row">
            <button type="submit" disabled={!files && !loadError}>
              Save code
            </button>
          </p>
        </form>
      ) : null}
      {tab === 'config' ? (
        <form class="card dialog" onSubmit={saveConfig} data-testid="function-config">
          <h3>Configuration</h3>
          <label>
            Handler <input name="handler" value={handler} onInput={(e) => setHandler(e.currentTarget.value)} required />
          </label>
          <label>
            Memory (MB) <input name="memory" type="number" value={memory} onInput={(e) => setMemory(e.currentTarget.value)} /> Timeout (s){' '}
            <input name="timeout" type="number" value={timeout} onInput={(e) => setTimeoutS(e.currentTarget.value)} />
          </label>
          <label>
            Description <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} size={50} />
          </label>
          <label>
            Environment (KEY=value, one a line) <textarea name="environment" rows={3} value={env} onInput={(e) => setEnv(e.currentTarget.value)} />
          </label>
          <p class="row">
            <button type="submit">Save configuration</button>
          </p>
        </form>
      ) : null}
    </div>
  );
}

/** The source select's value for a queue (a stream's value is its name). */
const QUEUE = 'sqs:';

/** A mapping's batching window, filters and failure handling, as its forms edit them (strings as typed). */
interface MappingOptions {
  /** MaximumBatchingWindowInSeconds. */
  window: string;
  /** FilterCriteria: one EventBridge-style pattern (JSON) a line. */
  filters: string;
  /** DestinationConfig.OnFailure: the name of one of the server's queues, or '' for none (stream sources only). */
  onFailure: string;
  /** BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds (stream sources only). */
  bisect: boolean;
  retries: string;
  maxAge: string;
  /** FunctionResponseTypes ReportBatchItemFailures: the function reports which records failed. */
  reportFailures: boolean;
  /** TumblingWindowInSeconds (streams; 0 = none). */
  tumbling: string;
  /** ScalingConfig.MaximumConcurrency (queues; '' = Lambda's default, and on update removes one set before). */
  concurrency: string;
  /** ParallelizationFactor (streams, 1–10): batches of one shard processed at once, in order per partition key. */
  parallelization: string;
}

const NO_OPTIONS: MappingOptions = {
  window: '0',
  filters: '',
  onFailure: '',
  bisect: false,
  retries: '-1',
  maxAge: '-1',
  reportFailures: false,
  tumbling: '0',
  concurrency: '',
  parallelization: '1',
};

/** The options a mapping has now (the edit form starts from them). */
function optionsOf(m: Mapping): MappingOptions {
  const destination = m.DestinationConfig?.OnFailure?.Destination;
  return {
    window: String(m.MaximumBatchingWindowInSeconds ?? 0),
    filters: (m.FilterCriteria?.Filters ?? []).map((f) => f.Pattern ?? '').join('\n'),
    onFailure: destination ? destination.slice(destination.lastIndexOf(':') + 1) : '',
    bisect: m.BisectBatchOnFunctionError ?? false,
    retries: String(m.MaximumRetryAttempts ?? -1),
    maxAge: String(m.MaximumRecordAgeInSeconds ?? -1),
    reportFailures: (m.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    tumbling: String(m.TumblingWindowInSeconds ?? 0),
    concurrency: m.ScalingConfig?.MaximumConcurrency !== undefined ? String(m.ScalingConfig.MaximumConcurrency) : '',
    parallelization: String(m.ParallelizationFactor ?? 1),
  };
}

/**
 * CreateEventSourceMapping / UpdateEventSourceMapping fields from the options. A queue source takes neither
 * failure destination nor retry settings (Lambda refuses them for SQS). On update an emptied filter list or
 * destination is sent empty, which removes it.
 */
async function optionsBody(o: MappingOptions, stream: boolean, queues: string[], update: boolean): Promise<Record<string, unknown>> {
  const filters = o.filters
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((Pattern) => ({ Pattern }));
  const body: Record<string, unknown> = { MaximumBatchingWindowInSeconds: Number(o.window) };
  if (filters.length || update) body.FilterCriteria = { Filters: filters };
  if (o.reportFailures || update) body.FunctionResponseTypes = o.reportFailures ? ['ReportBatchItemFailures'] : [];
  if (!stream) {
    // On update, an empty ScalingConfig removes a maximum set before.
    if (o.concurrency) body.ScalingConfig = { MaximumConcurrency: Number(o.concurrency) };
    else if (update) body.ScalingConfig = {};
    return body;
  }
  body.TumblingWindowInSeconds = Number(o.tumbling);
  body.ParallelizationFactor = Number(o.parallelization);
  body.BisectBatchOnFunctionError = o.bisect;
  body.MaximumRetryAttempts = Number(o.retries);
  body.MaximumRecordAgeInSeconds = Number(o.maxAge);
  if (o.onFailure) {
    // The queue's ARN as GetQueueAttributes gives it; before the queues are listed, the one the mapping already names.
    const url = queues.find((u) => queueName(u) === o.onFailure);
    const arn = url ? await queueArn(url) : `arn:aws:sqs:${currentRegion()}:${await accountId()}:${o.onFailure}`;
    body.DestinationConfig = { OnFailure: { Destination: arn } };
  } else if (update) body.DestinationConfig = { OnFailure: {} };
  return body;
}

/** One line for the mappings table: window, filters, on-failure queue, bisect and retry limits. */
function mappingSummary(m: Mapping): string {
  const parts: string[] = [];
  if (m.MaximumBatchingWindowInSeconds) parts.push(`window ${m.MaximumBatchingWindowInSeconds} s`);
  const filters = m.FilterCriteria?.Filters?.length ?? 0;
  if (filters) parts.push(`${filters} filter(s)`);
  const destination = m.DestinationConfig?.OnFailure?.Destination;
  if (destination) parts.push(`on failure → ${destination.slice(destination.lastIndexOf(':') + 1)}`);
  if (m.BisectBatchOnFunctionError) parts.push('bisect');
  if (m.MaximumRetryAttempts !== undefined && m.MaximumRetryAttempts >= 0) parts.push(`${m.MaximumRetryAttempts} retries`);
  if (m.MaximumRecordAgeInSeconds !== undefined && m.MaximumRecordAgeInSeconds >= 0) parts.push(`max age ${m.MaximumRecordAgeInSeconds} s`);
  if (m.TumblingWindowInSeconds) parts.push(`tumbling window ${m.TumblingWindowInSeconds} s`);
  if (m.FunctionResponseTypes?.includes('ReportBatchItemFailures')) parts.push('reports batch item failures');
  if (m.ScalingConfig?.MaximumConcurrency !== undefined) parts.push(`at most ${m.ScalingConfig.MaximumConcurrency} concurrent`);
  if (m.ParallelizationFactor !== undefined && m.ParallelizationFactor > 1) parts.push(`${m.ParallelizationFactor} batches per shard at once`);
  return parts.join(' · ') || '—';
}

function MappingOptionsFields({
  value,
  onChange,
  stream,
  queues,
}: {
  value: MappingOptions;
  onChange: (v: MappingOptions) => void;
  stream: boolean;
  queues: string[];
}) {
  const field =
    (k: 'window' | 'filters' | 'onFailure' | 'retries' | 'maxAge' | 'tumbling' | 'concurrency' | 'parallelization') =>
    (e: { currentTarget: { value: string } }) =>
      onChange({ ...value, [k]: e.currentTarget.value });
  return (
    <div class="mapping-options">
      <label>
        Batching window (s) <input name="window" type="number" min="0" max="300" value={value.window} onInput={field('window')} />
      </label>
      <label>
        Filters (one pattern a line, e.g. <code>{'{"data": {"kind": ["order"]}}'}</code>){' '}
        <textarea name="filters" rows={2} cols={60} class="mono" value={value.filters} onInput={field('filters')} />
      </label>
      {stream ? (
        <>
          <label>
            On failure, send to{' '}
            <select name="onFailure" value={value.onFailure} onChange={field('onFailure')} aria-label="On-failure destination">
              <option value="">no destination</option>
              {queues.map((u) => (
                <option key={u} value={queueName(u)}>
                  queue {queueName(u)}
                </option>
              ))}
              {value.onFailure && !queues.some((u) => queueName(u) === value.onFailure) ? (
                <option value={value.onFailure}>queue {value.onFailure}</option>
              ) : null}
            </select>
          </label>
          <label>
            <input name="bisect" type="checkbox" checked={value.bisect} onChange={(e) => onChange({ ...value, bisect: e.currentTarget.checked })} /> Split the
            batch on a function error
          </label>
          <label>
            Retry attempts (-1: until the records expire) <input name="retries" type="number" value={value.retries} onInput={field('retries')} /> Maximum record
            age (s, -1: none) <input name="maxAge" type="number" value={value.maxAge} onInput={field('maxAge')} />
          </label>
          <label>
            Tumbling window (s, 0: none) <input name="tumbling" type="number" min="0" max="900" value={value.tumbling} onInput={field('tumbling')} />
          </label>
          <label>
            Concurrent batches per shard (1–10; in order per partition key){' '}
            <input name="parallelization" type="number" value={value.parallelization} onInput={field('parallelization')} />
          </label>
        </>
      ) : (
        <label>
          Maximum concurrency (2–1000, blank: Lambda's default){' '}
          <input name="concurrency" type="number" value={value.concurrency} onInput={field('concurrency')} />
        </label>
      )}
      <label>
        <input
          name="reportFailures"
          type="checkbox"
          checked={value.reportFailures}
          onChange={(e) => onChange({ ...value, reportFailures: e.currentTarget.checked })}
        />{' '}
        The function reports the records that failed (ReportBatchItemFailures)
      </label>
    </div>
  );
}

/**
 * CreateEventSourceMapping from a stream of the server (batch size and starting position, a timestamp for
 * AT_TIMESTAMP) or, when it mounts SQS, one of its queues (ListQueues; batch size only: queues have no position);
 * with its batching window, filters and, for a stream, its failure handling.
 */
function CreateMapping({ name, action }: { name: string; action: Action }) {
  const live = useLive();
  const queues = useLoad(async () => (hasQueues() ? listQueueUrls() : []), []);
  const [source, setSource] = useState('');
  const [batch, setBatch] = useState('100');
  const [position, setPosition] = useState('LATEST');
  const [at, setAt] = useState('');
  const [options, setOptions] = useState<MappingOptions>(NO_OPTIONS);
  const queueUrl = source.startsWith(QUEUE) ? source.slice(QUEUE.length) : undefined;
  const create = action.submit(
    (m: Mapping) => `Created mapping ${m.UUID} from ${queueUrl !== undefined ? queueName(queueUrl) : source}`,
    async () =>
      awsRest<Mapping>('lambda', 'POST', `${LAMBDA}/event-source-mappings/`, {
        FunctionName: name,
        BatchSize: Number(batch),
        ...(queueUrl !== undefined
          ? { EventSourceArn: await queueArn(queueUrl) }
          : {
              EventSourceArn: await streamArn(source),
              StartingPosition: position,
              ...(position === 'AT_TIMESTAMP' ? { StartingPositionTimestamp: new Date(at).getTime() / 1000 } : {}),
            }),
        ...(await optionsBody(options, queueUrl === undefined, queues.data ?? [], false)),
      }),
  );
  return (
    <form class="inline-form" onSubmit={create} data-testid="create-mapping">
      <h3>Add a mapping</h3>
      {/* Queues are listed again whenever the select gets the focus (one created meanwhile appears). */}
      <select name="source" value={source} onFocus={queues.reload} onChange={(e) => setSource(e.currentTarget.value)} required aria-label="Source">
        <option value="">source…</option>
        <optgroup label="Streams">
          {live.latest?.streams.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </optgroup>
        {queues.data?.length ? (
          <optgroup label="Queues">
            {queues.data.map((u) => (
              <option key={u} value={QUEUE + u}>
                {queueName(u)}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      <label>
        batch size <input name="batch" type="number" value={batch} onInput={(e) => setBatch(e.currentTarget.value)} />
      </label>
      {queueUrl === undefined ? (
        <select name="position" value={position} onChange={(e) => setPosition(e.currentTarget.value)} aria-label="Starting position">
          <option value="LATEST">LATEST</option>
          <option value="TRIM_HORIZON">TRIM_HORIZON</option>
          <option value="AT_TIMESTAMP">AT_TIMESTAMP</option>
        </select>
      ) : null}
      {queueUrl === undefined && position === 'AT_TIMESTAMP' ? (
        <input name="at" type="datetime-local" step="1" value={at} onInput={(e) => setAt(e.currentTarget.value)} required />
      ) : null}
      <details>
        <summary>Batching, filters and failure handling</summary>
        <MappingOptionsFields value={options} onChange={setOptions} stream={queueUrl === undefined} queues={queues.data ?? []} />
      </details>
      <button type="submit" disabled={action.busy}>
        Create mapping
      </button>
    </form>
  );
}

/** UpdateEventSourceMapping: batch size, batching window, filters and (for a stream) failure handling. */
function EditMapping({ mapping, action, onSaved }: { mapping: Mapping; action: Action; onSaved: () => void }) {
  const queues = useLoad(async () => (hasQueues() ? listQueueUrls() : []), []);
  const stream = !(mapping.EventSourceArn ?? '').startsWith('arn:aws:sqs:');
  const [batch, setBatch] = useState(String(mapping.BatchSize ?? 100));
  const [options, setOptions] = useState<MappingOptions>(() => optionsOf(mapping));
  const save = (e: Event) => {
    e.preventDefault();
    void action
      .run(`Updating the mapping from ${mapping.EventSourceArn ?? mapping.UUID}…`, async () =>
        awsRest('lambda', 'PUT', `${LAMBDA}/event-source-mappings/${encodeURIComponent(mapping.UUID)}`, {
          BatchSize: Number(batch),
          ...(await optionsBody(options, stream, queues.data ?? [], true)),
        }),
      )
      .then((ok) => ok && onSaved());
  };
  return (
    <form class="card dialog" onSubmit={save} data-testid="edit-mapping">
      <h3>
        Edit the mapping from {mapping.EventSourceArn} <span class="muted small">({mapping.UUID})</span>
      </h3>
      <label>
        Batch size <input name="batch" type="number" value={batch} onInput={(e) => setBatch(e.currentTarget.value)} />
      </label>
      <MappingOptionsFields value={options} onChange={setOptions} stream={stream} queues={queues.data ?? []} />
      <p class="row">
        <button type="submit" disabled={action.busy}>
          Save mapping
        </button>
      </p>
    </form>
  );
}

/** A queue's name: its URL's last path segment. */
function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

interface VersionShape {
  Version: string;
  Description?: string;
  LastModified?: string;
  CodeSha256?: string;
}

interface AliasShape {
  Name: string;
  FunctionVersion: string;
  Description?: string;
  AliasArn: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

/**
 * Versions, aliases and reserved concurrency: versions listed (ListVersionsByFunction) and published
 * (PublishVersion), aliases listed, created, pointed at another version (UpdateAlias) and deleted, and the
 * function's reserved concurrency set (PutFunctionConcurrency) or removed (DeleteFunctionConcurrency).
 * Lambda's refusals are shown in its words.
 */
function VersionsAndAliases({ name }: { name: string }) {
  const fn = encodeURIComponent(name);
  const versions = useLoad(async () => (await awsRest<{ Versions: VersionShape[] }>('lambda', 'GET', `${LAMBDA}/functions/${fn}/versions`)).Versions, [name]);
  const aliases = useLoad(async () => (await awsRest<{ Aliases: AliasShape[] }>('lambda', 'GET', `${LAMBDA}/functions/${fn}/aliases`)).Aliases, [name]);
  const concurrency = useLoad(
    async () =>
      (await awsRest<{ ReservedConcurrentExecutions?: number }>('lambda', 'GET', `/2019-09-30/functions/${fn}/concurrency`)).ReservedConcurrentExecutions,
    [name],
  );
  const action = useAction(() => {
    versions.reload();
    aliases.reload();
    concurrency.reload();
  });
  const [versionDescription, setVersionDescription] = useState('');
  const [aliasName, setAliasName] = useState('');
  const [aliasVersion, setAliasVersion] = useState('');
  const [reserved, setReserved] = useState('');
  const act = (done: (r: Record<string, unknown>) => string, call: () => Promise<Record<string, unknown>>, confirmText?: string) =>
    action.run(done, call, confirmText === undefined ? {} : { confirm: confirmText });
  const published = (versions.data ?? []).filter((v) => v.Version !== '$LATEST');
  return (
    <div class="card" data-testid="versions-aliases">
      <h2>Versions and aliases</h2>
      <OutcomeText outcome={action.outcome} />
      {versions.error ? <p class="error">{versions.error}</p> : null}
      <table class="list" data-testid="function-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Description</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {(versions.data ?? []).map((v) => (
            <tr key={v.Version} data-version={v.Version}>
              <td>{v.Version}</td>
              <td>{v.Description}</td>
              <td class="small">{v.LastModified}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="inline-form"
        data-testid="publish-version"
        onSubmit={(e) => {
          e.preventDefault();
          void act(
            (r) => `Published version ${String(r.Version)}`,
            () => awsRest('lambda', 'POST', `${LAMBDA}/functions/${fn}/versions`, versionDescription ? { Description: versionDescription } : {}),
          );
        }}
      >
        <input name="description" placeholder="version description" value={versionDescription} onInput={(e) => setVersionDescription(e.currentTarget.value)} />
        <button type="submit">Publish version</button>
      </form>
      <h3>Aliases</h3>
      <table class="list" data-testid="function-aliases">
        <thead>
          <tr>
            <th>Alias</th>
            <th>Version</th>
            <th>Weighted routing</th>
            <th>Description</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(aliases.data ?? []).map((a) => (
            <tr key={a.Name} data-alias={a.Name}>
              <td>{a.Name}</td>
              <td>
                <select
                  name="version"
                  aria-label={`Version of ${a.Name}`}
                  value={a.FunctionVersion}
                  onChange={(e) => {
                    const to = e.currentTarget.value;
                    void act(
                      () => `Alias ${a.Name} now points at version ${to}`,
                      () => awsRest('lambda', 'PUT', `${LAMBDA}/functions/${fn}/aliases/${encodeURIComponent(a.Name)}`, { FunctionVersion: to }),
                    );
                  }}
                >
                  {['$LATEST', ...published.map((v) => v.Version)].map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <AliasRouting
                  alias={a}
                  versions={published.map((v) => v.Version)}
                  act={(done, body) =>
                    void act(
                      () => done,
                      () => awsRest('lambda', 'PUT', `${LAMBDA}/functions/${fn}/aliases/${encodeURIComponent(a.Name)}`, body),
                    )
                  }
                />
              </td>
              <td>{a.Description}</td>
              <td>
                <button
                  type="button"
                  class="danger"
                  onClick={() =>
                    void act(
                      () => `Deleted alias ${a.Name}`,
                      () => awsRest('lambda', 'DELETE', `${LAMBDA}/functions/${fn}/aliases/${encodeURIComponent(a.Name)}`),
                      `Delete alias ${a.Name}? Callers using ${a.AliasArn} are refused from then on.`,
                    )
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="inline-form"
        data-testid="create-alias"
        onSubmit={(e) => {
          e.preventDefault();
          void act(
            () => `Created alias ${aliasName}`,
            () => awsRest('lambda', 'POST', `${LAMBDA}/functions/${fn}/aliases`, { Name: aliasName, FunctionVersion: aliasVersion || '$LATEST' }),
          );
        }}
      >
        <input name="alias" placeholder="alias name" value={aliasName} onInput={(e) => setAliasName(e.currentTarget.value)} required />
        <select name="version" aria-label="Version" value={aliasVersion} onChange={(e) => setAliasVersion(e.currentTarget.value)}>
          {['$LATEST', ...published.map((v) => v.Version)].map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <button type="submit">Create alias</button>
      </form>
      <h3>Concurrency</h3>
      <p data-testid="reserved-concurrency">
        {concurrency.data === undefined ? "Unreserved (uses the account's unreserved concurrency)" : `Reserved concurrency: ${concurrency.data}`}
      </p>
      <form
        class="inline-form"
        data-testid="set-concurrency"
        onSubmit={(e) => {
          e.preventDefault();
          void act(
            (r) => `Reserved concurrency set to ${String(r.ReservedConcurrentExecutions)}`,
            () => awsRest('lambda', 'PUT', `/2017-10-31/functions/${fn}/concurrency`, { ReservedConcurrentExecutions: Number(reserved) }),
          );
        }}
      >
        <input name="reserved" type="number" placeholder="reserved" value={reserved} onInput={(e) => setReserved(e.currentTarget.value)} required />
        <button type="submit">Reserve concurrency</button>{' '}
        <button
          type="button"
          disabled={concurrency.data === undefined}
          onClick={() =>
            void act(
              () => 'Reserved concurrency removed',
              () => awsRest('lambda', 'DELETE', `/2017-10-31/functions/${fn}/concurrency`),
            )
          }
        >
          Remove reservation
        </button>
      </form>
      <ProvisionedConcurrency
        name={name}
        qualifiers={[...published.map((v) => v.Version), ...(aliases.data ?? []).map((a) => a.Name)]}
        onChange={concurrency.reload}
      />
    </div>
  );
}

interface ProvisionedShape {
  FunctionArn: string;
  RequestedProvisionedConcurrentExecutions?: number;
  AvailableProvisionedConcurrentExecutions?: number;
  AllocatedProvisionedConcurrentExecutions?: number;
  Status?: string;
  StatusReason?: string;
  LastModified?: string;
}

/**
 * Provisioned concurrency (ListProvisionedConcurrencyConfigs, Put…, Delete…): environments of a published version or
 * alias initialised ahead of invocations. The list is read again each second while one is IN_PROGRESS.
 */
function ProvisionedConcurrency({ name, qualifiers, onChange }: { name: string; qualifiers: string[]; onChange: () => void }) {
  const fn = encodeURIComponent(name);
  const configs = useLoad(
    async () =>
      (await awsRest<{ ProvisionedConcurrencyConfigs: ProvisionedShape[] }>('lambda', 'GET', `/2019-09-30/functions/${fn}/provisioned-concurrency?List=ALL`))
        .ProvisionedConcurrencyConfigs,
    [name],
  );
  const action = useAction(() => {
    configs.reload();
    onChange();
  });
  const fields = useFields({ qualifier: '', count: '1' });
  const pending = (configs.data ?? []).some((c) => c.Status === 'IN_PROGRESS');
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(configs.reload, 1000);
    return () => clearInterval(t);
  }, [pending]);
  const qualifier = fields.values.qualifier || qualifiers[0] || '';
  const put = action.submit(
    (r: ProvisionedShape) => `Provisioning ${String(r.RequestedProvisionedConcurrentExecutions)} for ${qualifier}: ${String(r.Status)}`,
    () =>
      awsRest<ProvisionedShape>('lambda', 'PUT', `/2019-09-30/functions/${fn}/provisioned-concurrency?Qualifier=${encodeURIComponent(qualifier)}`, {
        ProvisionedConcurrentExecutions: Number(fields.values.count),
      }),
  );
  return (
    <div data-testid="provisioned-concurrency">
      <h3>Provisioned concurrency</h3>
      <OutcomeText outcome={action.outcome} />
      {configs.error ? <p class="error">{configs.error}</p> : null}
      {configs.data?.length ? (
        <table class="list" data-testid="provisioned-configs">
          <thead>
            <tr>
              <th>Version or alias</th>
              <th>Requested</th>
              <th>Available</th>
              <th>Status</th>
              <th>Last modified</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {configs.data.map((c) => {
              const q = c.FunctionArn.slice(c.FunctionArn.lastIndexOf(':') + 1);
              return (
                <tr key={q} data-qualifier={q}>
                  <td>{q}</td>
                  <td>{c.RequestedProvisionedConcurrentExecutions}</td>
                  <td>{c.AvailableProvisionedConcurrentExecutions}</td>
                  <td data-testid="provisioned-status">
                    {c.Status}
                    {c.StatusReason ? ` (${c.StatusReason})` : ''}
                  </td>
                  <td class="small">{c.LastModified}</td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      disabled={action.busy}
                      onClick={() =>
                        void action.run(
                          `Provisioned concurrency of ${q} removed`,
                          () => awsRest('lambda', 'DELETE', `/2019-09-30/functions/${fn}/provisioned-concurrency?Qualifier=${encodeURIComponent(q)}`),
                          { confirm: `Remove the provisioned concurrency of ${q}? Its warm environments stop.` },
                        )
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p class="muted">None: every invocation starts or reuses an on-demand environment.</p>
      )}
      <form class="inline-form" data-testid="put-provisioned" onSubmit={put}>
        <select name="qualifier" aria-label="Version or alias" value={qualifier} onChange={(e) => fields.set('qualifier', e.currentTarget.value)}>
          {qualifiers.map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
        </select>
        <input type="number" aria-label="Provisioned concurrent executions" {...fields.bind('count')} />
        <button type="submit" disabled={action.busy || !qualifier}>
          Provision
        </button>
      </form>
    </div>
  );
}

/**
 * An alias's weighted routing (RoutingConfig.AdditionalVersionWeights): the share of invocations sent to one more
 * version, set or removed with UpdateAlias.
 */
function AliasRouting({ alias, versions, act }: { alias: AliasShape; versions: string[]; act: (done: string, body: Record<string, unknown>) => void }) {
  const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  const others = versions.filter((v) => v !== alias.FunctionVersion);
  const [version, setVersion] = useState('');
  const [percent, setPercent] = useState('10');
  const target = version || others[0] || '';
  return (
    <div class="alias-routing" data-testid="alias-routing">
      <span data-testid="alias-weights">
        {weights.length
          ? weights.map(([v, w]) => `${Math.round((1 - w) * 1000) / 10}% → ${alias.FunctionVersion}, ${Math.round(w * 1000) / 10}% → ${v}`).join('; ')
          : 'none'}
      </span>{' '}
      <select name="weightVersion" aria-label={`Additional version of ${alias.Name}`} value={target} onChange={(e) => setVersion(e.currentTarget.value)}>
        {others.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
      <input
        name="weight"
        type="number"
        step="0.1"
        aria-label={`Weight of ${alias.Name}'s additional version (%)`}
        value={percent}
        size={5}
        onInput={(e) => setPercent(e.currentTarget.value)}
      />
      %{' '}
      <button
        type="button"
        disabled={!target}
        onClick={() =>
          act(`Alias ${alias.Name} sends ${percent}% to version ${target}`, {
            RoutingConfig: { AdditionalVersionWeights: { [target]: Number(percent) / 100 } },
          })
        }
      >
        Set weight
      </button>{' '}
      {weights.length ? (
        <button
          type="button"
          onClick={() => act(`Alias ${alias.Name} routes everything to version ${alias.FunctionVersion}`, { RoutingConfig: { AdditionalVersionWeights: {} } })}
        >
          Remove weights
        </button>
      ) : null}
    </div>
  );
}
