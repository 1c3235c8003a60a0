/** Materialized views of the Postgres endpoint: kind, source stream, rows, lag and refresh state, every 5 s. */
import { useEffect, useState } from 'preact/hooks';
import { consoleGet, useLoad } from '../api.ts';
import { num, time } from '../format.ts';
import type { ViewSummary } from '../../snapshot.ts';

export function ViewsPage() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, []);
  const list = useLoad(() => consoleGet<{ endpoint: boolean; views: ViewSummary[] }>('views'), [tick]);
  return (
    <div>
      <h1>Materialized views</h1>
      {list.error ? <p class="error">{list.error}</p> : null}
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
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.endpoint && list.data.views.length === 0 ? <p class="muted">No materialized views yet: CREATE MATERIALIZED VIEW over psql.</p> : null}
    </div>
  );
}
