/**
 * Anomalies: for every SQL application scoring with RANDOM_CUT_FOREST (S2-style), each in-application
 * stream carrying an ANOMALY_SCORE drawn as its first numeric column with the scores over it, and the
 * highest-scoring recent rows.
 */
import { useState } from 'preact/hooks';
import { aws, useEvents, useLoad } from '../api.ts';
import { LiveChart } from '../charts.tsx';
import { cell } from '../format.ts';
import { link } from '../main.tsx';

const SCORE = 'ANOMALY_SCORE';

async function scoringApps(): Promise<string[]> {
  const list = await aws<{ ApplicationSummaries: Array<{ ApplicationName: string }> }>('analytics', 'ListApplications', {});
  const names: string[] = [];
  for (const a of list.ApplicationSummaries) {
    const d = await aws<{ ApplicationDetail: { ApplicationCode?: string } }>('analytics', 'DescribeApplication', { ApplicationName: a.ApplicationName });
    if (/RANDOM_CUT_FOREST/i.test(d.ApplicationDetail.ApplicationCode ?? '')) names.push(a.ApplicationName);
  }
  return names;
}

export function AnomaliesPage() {
  const apps = useLoad(scoringApps, []);
  return (
    <div>
      <h1>Anomalies</h1>
      {apps.error ? <p class="error">{apps.error}</p> : null}
      {apps.data?.length === 0 ? <p class="muted">No application scores with RANDOM_CUT_FOREST yet (run npm start for the S2 example).</p> : null}
      {apps.data?.map((name) => (
        <ScoredApp key={name} name={name} />
      ))}
    </div>
  );
}

function ScoredApp({ name }: { name: string }) {
  const [streams, setStreams] = useState<Record<string, Array<Record<string, unknown>>>>({});
  useEvents(`/console/api/rows?app=${encodeURIComponent(name)}`, 'rows', (d) => setStreams((d as { streams: typeof streams }).streams));
  const scored = Object.entries(streams).filter(([, rows]) => rows.some((r) => typeof r[SCORE] === 'number'));
  return (
    <section>
      <h2>
        <a href={link('apps', name)}>{name}</a>
      </h2>
      {scored.length === 0 ? <p class="muted">Waiting for scored rows…</p> : null}
      {scored.map(([stream, rows]) => {
        const valueColumn = Object.keys(rows[0] ?? {}).find((k) => k !== SCORE && k !== 'ROWTIME' && typeof rows[0]![k] === 'number');
        const top = [...rows].sort((a, b) => Number(b[SCORE]) - Number(a[SCORE])).slice(0, 8);
        return (
          <div key={stream} data-testid="anomaly-chart">
            <LiveChart
              title={`${stream}: ${valueColumn ?? 'value'} with ${SCORE} (last ${rows.length} rows)`}
              times={rows.map((_, i) => i)}
              timeAxis={false}
              series={[
                { label: valueColumn ?? 'value', color: '#2f6fd0', values: rows.map((r) => (valueColumn ? Number(r[valueColumn]) : null)) },
                { label: SCORE, color: '#d03030', points: true, right: true, values: rows.map((r) => Number(r[SCORE])) },
              ]}
              height={220}
            />
            <table class="list compact">
              <thead>
                <tr>
                  {Object.keys(top[0] ?? {}).map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {top.map((r, i) => (
                  <tr key={i}>
                    {Object.keys(top[0] ?? {}).map((c) => (
                      <td key={c}>{cell(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
