/**
 * Materialized views of the Postgres endpoint: kind, source stream, rows, lag and refresh state, every 5 s. A view is
 * created from its SELECT, refreshed, switched to AUTO REFRESH YES or NO (ALTER MATERIALIZED VIEW) and dropped, and an
 * external schema created and dropped, through the console API's views statement, which sends the
 * statement to the Postgres endpoint as the signed-in caller: a refusal reads as psql shows it.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, consoleGet, consolePost, errorText, useLoad } from '../api.ts';
import { OutcomeText, useAction } from '../forms.tsx';
import { num, time } from '../format.ts';
import type { ViewSummary } from '../../snapshot.ts';

export function ViewsPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const list = useLoad(() => consoleGet<{ endpoint: boolean; views: ViewSummary[] }>('views'), [tick]);
  const action = useAction(() => list.reload());
  const [creating, setCreating] = useState(false);
  /** Sends one statement; a refusal reads as psql prints it. */
  const run = (request: ViewRequest, done: string, confirmText?: string): Promise<boolean> =>
    action.run(
      done,
      () =>
        consolePost('views/statement', request).catch((e: unknown) => {
          throw new Error(psqlText(e));
        }),
      confirmText === undefined ? undefined : { confirm: confirmText },
    );
  return (
    <div>
      <h1>Materialized views</h1>
      {list.error ? <p class="error">{list.error}</p> : null}
      {action.outcome ? (
        <div data-testid="views-message">
          <OutcomeText outcome={action.outcome} />
        </div>
      ) : null}
      {list.data?.endpoint ? (
        creating ? (
          <ViewForm
            onCreate={async (request) => {
              const ok = await run(request, `Materialized view ${request.schema ?? 'public'}.${request.name} created`);
              if (ok) setCreating(false);
            }}
            onCancel={() => setCreating(false)}
          />
        ) : (
          <p>
            <button type="button" onClick={() => setCreating(true)}>
              Create view
            </button>
          </p>
        )
      ) : null}
      {list.data?.endpoint ? <SchemaForm run={run} /> : null}
      {list.data && !list.data.endpoint ? (
        <p class="muted">This server does not run the Postgres endpoint (start it with `freshet server`, without --no-pg).</p>
      ) : null}
      <table class="list" data-testid="views">
        <thead>
          <tr>
            <th>View</th>
            <th>Kind</th>
            <th>Stream</th>
            <th>Rows</th>
            <th>Lag</th>
            <th>Last refresh</th>
            <th>Records read</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.views.map((v) => (
            <tr key={`${v.schema}.${v.name}`} data-name={v.name}>
              <td>
                {v.schema}.{v.name}
              </td>
              <td>
                {v.kind}
                {v.autoRefresh ? ', auto refresh' : ''}
              </td>
              <td>{v.stream ?? '—'}</td>
              <td>{num(v.rows)}</td>
              <td>{(v.lagMs / 1000).toFixed(1)} s</td>
              <td class="small">{v.lastRefreshMs ? time(v.lastRefreshMs) : '—'}</td>
              <td>{num(v.recordsIngested)}</td>
              <td class={v.state === 'error' ? 'error' : ''}>{v.state === 'error' ? (v.lastError ?? 'error') : 'ok'}</td>
              <td class="nowrap">
                <button type="button" onClick={() => void run({ action: 'refresh', schema: v.schema, name: v.name }, `${v.schema}.${v.name} refreshed`)}>
                  Refresh
                </button>{' '}
                <button
                  type="button"
                  onClick={() =>
                    void run(
                      { action: 'alter', schema: v.schema, name: v.name, autoRefresh: !v.autoRefresh },
                      `${v.schema}.${v.name}: auto refresh ${v.autoRefresh ? 'off' : 'on'}`,
                    )
                  }
                >
                  {v.autoRefresh ? 'Stop auto refresh' : 'Auto refresh'}
                </button>{' '}
                <button
                  type="button"
                  onClick={() =>
                    void run(
                      { action: 'drop', schema: v.schema, name: v.name },
                      `${v.schema}.${v.name} dropped`,
                      `Drop materialized view ${v.schema}.${v.name}?`,
                    )
                  }
                >
                  Drop
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.endpoint && list.data.views.length === 0 ? <p class="muted">No materialized views yet.</p> : null}
    </div>
  );
}

interface ViewRequest {
  action: 'create' | 'refresh' | 'drop' | 'alter' | 'schema' | 'dropSchema';
  schema?: string;
  name: string;
  query?: string;
  autoRefresh?: boolean;
  iamRole?: string;
}

/**
 * CREATE EXTERNAL SCHEMA … FROM KINESIS: the schema a view names streams in (kds."stream"); DROP SCHEMA of the named
 * one after a question (without CASCADE: the endpoint refuses while views read it, and names them).
 */
function SchemaForm({ run }: { run: (r: ViewRequest, done: string, confirmText?: string) => Promise<boolean> }) {
  const [name, setName] = useState('kds');
  const [role, setRole] = useState('default');
  const submit = (e: Event) => {
    e.preventDefault();
    void run({ action: 'schema', name: name.trim(), iamRole: role.trim() }, `External schema ${name.trim()} created`);
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid="schema-form">
      <h3>Streams schema</h3>
      <label>
        Name <input name="schemaName" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        IAM role <input name="iamRole" value={role} onInput={(e) => setRole(e.currentTarget.value)} />
      </label>
      <button type="submit">Create external schema</button>{' '}
      <button
        type="button"
        onClick={() => void run({ action: 'dropSchema', name: name.trim() }, `External schema ${name.trim()} dropped`, `Drop external schema ${name.trim()}?`)}
      >
        Drop external schema
      </button>
    </form>
  );
}

/** A refusal as psql prints it: the endpoint's message with its SQLSTATE. */
function psqlText(e: unknown): string {
  if (e instanceof ApiError && /^[0-9A-Z]{5}$/.test(e.code)) return `ERROR: ${e.message} (SQLSTATE ${e.code})`;
  return errorText(e);
}

const EXAMPLE_QUERY = 'SELECT partition_key, count(*) AS n FROM kds."my-stream" GROUP BY partition_key';

/** CREATE MATERIALIZED VIEW from its name and SELECT; a stream is read through an external schema (kds above). */
function ViewForm({ onCreate, onCancel }: { onCreate: (r: ViewRequest) => Promise<void>; onCancel: () => void }) {
  const [schema, setSchema] = useState('public');
  const [name, setName] = useState('');
  const [autoRefresh, setAutoRefresh] = useState(false);
  const [query, setQuery] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    void onCreate({ action: 'create', schema: schema.trim() || 'public', name: name.trim(), query, autoRefresh });
  };
  return (
    <form class="card editor" onSubmit={submit} data-testid="view-form">
      <h3>Create a materialized view</h3>
      <div class="form-grid">
        <label>
          Schema <input name="schema" value={schema} onInput={(e) => setSchema(e.currentTarget.value)} />
        </label>
        <label>
          Name <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <label>
          <input type="checkbox" name="autoRefresh" checked={autoRefresh} onChange={(e) => setAutoRefresh(e.currentTarget.checked)} /> Auto refresh
        </label>
      </div>
      <label>
        Query{' '}
        <textarea
          name="query"
          class="code"
          rows={5}
          spellcheck={false}
          value={query}
          placeholder={EXAMPLE_QUERY}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      <p class="muted small">A stream is read through an external schema (kds above): create it once with "Create external schema".</p>
      <p>
        <button type="submit">Create view</button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}
