/**
 * Streams: the list (with create), and one stream's shards (hash ranges, lineage, per-shard rates, and each
 * shard's iterator age from the shard-level CloudWatch metric once enhanced monitoring enables it), actions
 * (put a record, reshard, retention, consumers, shard-level metrics) and the live tail.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { aws, consolePost, errorText, hasCloudWatch, useLive, useLoad } from '../api.ts';
import { MetricChart, useMetricData } from '../metrics.tsx';
import type { MetricQuery } from '../metrics.tsx';
import { LiveChart, Sparkline } from '../charts.tsx';
import type { DecodedRecord, ShardSample } from '../../snapshot.ts';
import { num, statusClass, time } from '../format.ts';
import { link } from '../main.tsx';

export function StreamsPage({ name }: { name: string | undefined }) {
  return name ? <StreamDetail name={name} /> : <StreamList />;
}

/** What the list says first after a stream page deleted its stream (shown once). */
let deletedNotice: string | undefined;

function StreamList() {
  const live = useLive();
  const [newName, setNewName] = useState('');
  const [shards, setShards] = useState('1');
  const [message, setMessage] = useState<string | undefined>(() => {
    const notice = deletedNotice;
    deletedNotice = undefined;
    return notice;
  });
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      await aws('kinesis', 'CreateStream', { StreamName: newName, ShardCount: Number(shards) });
      setMessage(`Creating ${newName}…`);
      setNewName('');
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <div>
      <h1>Streams</h1>
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Open shards</th>
            <th>Retention</th>
            <th>Records</th>
            <th>Incoming</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {live.latest?.streams.map((s) => (
            <tr key={s.name}>
              <td>
                <a href={link('streams', s.name)}>{s.name}</a>
              </td>
              <td>
                <span class={statusClass(s.status)}>{s.status}</span>
              </td>
              <td>{s.shards.filter((x) => x.open).length}</td>
              <td>{s.retentionHours} h</td>
              <td>{num(s.records)}</td>
              <td>{num(s.rate)}/s</td>
              <td>
                <Sparkline values={live.history.map((h) => h.streams.find((x) => x.name === s.name)?.rate ?? 0)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={create}>
        <h3>Create a stream</h3>
        <input placeholder="stream name" value={newName} onInput={(e) => setNewName(e.currentTarget.value)} required />
        <input type="number" min="1" value={shards} onInput={(e) => setShards(e.currentTarget.value)} title="shards" />
        <button type="submit">Create</button>
        {message ? <span class="message">{message}</span> : null}
      </form>
    </div>
  );
}

interface Summary {
  StreamDescriptionSummary: {
    StreamARN: string;
    StreamStatus: string;
    RetentionPeriodHours: number;
    OpenShardCount: number;
    StreamModeDetails?: { StreamMode: string };
    EnhancedMonitoring?: Array<{ ShardLevelMetrics?: string[] }>;
  };
}

/** The shard-level metrics the console turns on: what its shard table and charts read. */
const SHARD_LEVEL_METRICS = ['IncomingBytes', 'IncomingRecords', 'OutgoingBytes', 'OutgoingRecords', 'IteratorAgeMilliseconds'];
/** GetMetricData takes at most 500 queries; iterator ages are read for the first 100 shards. */
const MAX_SHARD_AGES = 100;

function ShardTable({ shards, ages }: { shards: ShardSample[]; ages: Map<string, number> | undefined }) {
  return (
    <table class="list shards">
      <thead>
        <tr>
          <th>Shard</th>
          <th>State</th>
          <th>Hash key range</th>
          <th>Parents</th>
          <th>Records</th>
          <th>Incoming</th>
          <th title="IteratorAgeMilliseconds (Maximum) of the last minute with reads, shard-level">Iterator age</th>
        </tr>
      </thead>
      <tbody>
        {shards.map((s) => {
          const age = ages?.get(s.id);
          return (
            <tr key={s.id} data-shard={s.id}>
              <td>{s.id}</td>
              <td>{s.open ? 'open' : 'closed'}</td>
              <td class="mono small">
                {s.startingHashKey} – {s.endingHashKey}
              </td>
              <td class="small">{[s.parent, s.adjacentParent].filter(Boolean).join(', ') || '—'}</td>
              <td>{num(s.records)}</td>
              <td>{num(s.rate)}/s</td>
              <td class="age">{age === undefined ? '—' : `${num(age)} ms`}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The shard table with each shard's latest IteratorAgeMilliseconds (Maximum per minute, last 5 minutes), every 5 s. */
function ShardTableWithAges({ stream, shards }: { stream: string; shards: ShardSample[] }) {
  const ids = shards.slice(0, MAX_SHARD_AGES).map((s) => s.id);
  const queries: MetricQuery[] = ids.map((id, i) => ({
    id: `s${i}`,
    label: id,
    color: '#d0602f',
    namespace: 'AWS/Kinesis',
    metricName: 'IteratorAgeMilliseconds',
    dimensions: { StreamName: stream, ShardId: id },
    stat: 'Maximum',
  }));
  const { data } = useMetricData(queries, 5, 60, 5000);
  const ages = new Map<string, number>();
  for (const s of data?.series ?? []) {
    for (let i = s.values.length - 1; i >= 0; i--) {
      const v = s.values[i];
      if (v !== null && v !== undefined) {
        ages.set(s.query.label, v);
        break;
      }
    }
  }
  return <ShardTable shards={shards} ages={ages} />;
}

function StreamDetail({ name }: { name: string }) {
  const live = useLive();
  const summary = useLoad(() => aws<Summary>('kinesis', 'DescribeStreamSummary', { StreamName: name }), [name]);
  const sample = live.latest?.streams.find((s) => s.name === name);
  const desc = summary.data?.StreamDescriptionSummary;
  const times = live.history.map((h) => h.timeMs / 1000);
  const ageEnabled =
    hasCloudWatch() && (desc?.EnhancedMonitoring ?? []).some((m) => m.ShardLevelMetrics?.some((x) => x === 'IteratorAgeMilliseconds' || x === 'ALL'));
  const [monitorMessage, setMonitorMessage] = useState<string | undefined>();
  const enableShardMetrics = async () => {
    try {
      await aws('kinesis', 'EnableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: SHARD_LEVEL_METRICS });
      setMonitorMessage(undefined);
      summary.reload();
    } catch (e) {
      setMonitorMessage(errorText(e));
    }
  };
  return (
    <div>
      <p class="crumbs">
        <a href={link('streams')}>Streams</a> / {name}
      </p>
      <h1>
        {name} {sample ? <span class={statusClass(sample.status)}>{sample.status}</span> : null}
      </h1>
      {summary.error ? <p class="error">{summary.error}</p> : null}
      {desc ? (
        <p class="muted">
          {desc.StreamARN} · {desc.StreamModeDetails?.StreamMode ?? 'PROVISIONED'} · retention {desc.RetentionPeriodHours} h · {desc.OpenShardCount} open
          shard(s)
        </p>
      ) : null}
      <LiveChart
        title="Incoming records per second"
        times={times}
        series={[{ label: 'records/s', color: '#2f6fd0', values: live.history.map((h) => h.streams.find((s) => s.name === name)?.rate ?? null) }]}
        height={150}
      />
      {hasCloudWatch() ? (
        <div class="charts">
          <MetricChart
            title="IncomingRecords per minute"
            queries={[
              {
                id: 'incoming',
                label: 'IncomingRecords (Sum)',
                color: '#2f6fd0',
                namespace: 'AWS/Kinesis',
                metricName: 'IncomingRecords',
                dimensions: { StreamName: name },
                stat: 'Sum',
              },
            ]}
          />
          <MetricChart
            title="Iterator age of GetRecords consumers"
            queries={[
              {
                id: 'age',
                label: 'GetRecords.IteratorAgeMilliseconds (Maximum)',
                color: '#d0602f',
                namespace: 'AWS/Kinesis',
                metricName: 'GetRecords.IteratorAgeMilliseconds',
                dimensions: { StreamName: name },
                stat: 'Maximum',
              },
            ]}
          />
        </div>
      ) : null}
      <h2>Shards</h2>
      {ageEnabled ? <ShardTableWithAges stream={name} shards={sample?.shards ?? []} /> : <ShardTable shards={sample?.shards ?? []} ages={undefined} />}
      {hasCloudWatch() && desc && !ageEnabled ? (
        <p class="small muted" data-testid="shard-metrics">
          Per-shard iterator age needs shard-level metrics (enhanced monitoring, as on AWS).{' '}
          <button type="button" onClick={() => void enableShardMetrics()}>
            Enable shard-level metrics
          </button>
          {monitorMessage ? <span class="message">{monitorMessage}</span> : null}
        </p>
      ) : null}
      <div class="actions">
        <PutRecord stream={name} />
        <Manage stream={name} arn={desc?.StreamARN} onChange={summary.reload} />
      </div>
      <Tail stream={name} />
    </div>
  );
}

function PutRecord({ stream }: { stream: string }) {
  const [key, setKey] = useState('console');
  const [data, setData] = useState('{"hello": "from the console"}');
  const [message, setMessage] = useState<string | undefined>();
  const put = async (e: Event) => {
    e.preventDefault();
    try {
      const bytes = new TextEncoder().encode(data);
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      const r = await aws<{ ShardId: string; SequenceNumber: string }>('kinesis', 'PutRecord', { StreamName: stream, PartitionKey: key, Data: btoa(bin) });
      setMessage(`Put to ${r.ShardId} as ${r.SequenceNumber}`);
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <form class="card" onSubmit={put} data-testid="put-record">
      <h3>Put a test record</h3>
      <label>
        Partition key <input value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
      </label>
      <label>
        Data <textarea rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </label>
      <button type="submit">Put record</button>
      {message ? <p class="message">{message}</p> : null}
    </form>
  );
}

function Manage({ stream, arn, onChange }: { stream: string; arn: string | undefined; onChange: () => void }) {
  const [target, setTarget] = useState('2');
  const [hours, setHours] = useState('24');
  const [consumer, setConsumer] = useState('');
  const [message, setMessage] = useState<string | undefined>();
  const consumers = useLoad(
    async () =>
      arn
        ? (await aws<{ Consumers: Array<{ ConsumerName: string; ConsumerStatus: string }> }>('kinesis', 'ListStreamConsumers', { StreamARN: arn })).Consumers
        : [],
    [arn],
  );
  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage(what);
      onChange();
      consumers.reload();
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <div class="card">
      <h3>Manage</h3>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(`Resharding to ${target} shards…`, () =>
            aws('kinesis', 'UpdateShardCount', { StreamName: stream, TargetShardCount: Number(target), ScalingType: 'UNIFORM_SCALING' }),
          );
        }}
      >
        <label>
          Shards <input type="number" min="1" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
        </label>
        <button type="submit">Reshard</button>
      </form>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          const current = (await aws<Summary>('kinesis', 'DescribeStreamSummary', { StreamName: stream })).StreamDescriptionSummary.RetentionPeriodHours;
          const h = Number(hours);
          if (h === current) return setMessage(`Retention is already ${h} h`);
          void run(`Retention set to ${h} h`, () =>
            aws('kinesis', h > current ? 'IncreaseStreamRetentionPeriod' : 'DecreaseStreamRetentionPeriod', { StreamName: stream, RetentionPeriodHours: h }),
          );
        }}
      >
        <label>
          Retention (hours) <input type="number" min="24" max="8760" value={hours} onInput={(e) => setHours(e.currentTarget.value)} />
        </label>
        <button type="submit">Set retention</button>
      </form>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void run(`Registered consumer ${consumer}`, () => aws('kinesis', 'RegisterStreamConsumer', { StreamARN: arn, ConsumerName: consumer }));
        }}
      >
        <label>
          Consumer <input value={consumer} placeholder="consumer name" onInput={(e) => setConsumer(e.currentTarget.value)} required />
        </label>
        <button type="submit" disabled={!arn}>
          Register
        </button>
      </form>
      {consumers.data?.length ? (
        <ul class="small consumers" data-testid="consumers">
          {consumers.data.map((c) => (
            <li key={c.ConsumerName} data-name={c.ConsumerName}>
              {c.ConsumerName} ({c.ConsumerStatus}){' '}
              <button
                type="button"
                onClick={() =>
                  void run(`Deregistered consumer ${c.ConsumerName}`, () =>
                    aws('kinesis', 'DeregisterStreamConsumer', { StreamARN: arn, ConsumerName: c.ConsumerName }),
                  )
                }
              >
                Deregister
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p class="row">
        <button
          type="button"
          class="danger"
          onClick={() => {
            // As on AWS's console, deleting asks first: the stream's records go with it.
            if (!confirm(`Delete stream ${stream} and all its records? Registered consumers must be deregistered first.`)) return;
            // Once deleted, the stream's page has nothing left to show: back to the list, which says it is deleting.
            aws('kinesis', 'DeleteStream', { StreamName: stream }).then(
              () => {
                deletedNotice = `Deleting ${stream}…`;
                location.hash = link('streams');
              },
              (err: unknown) => setMessage(errorText(err)),
            );
          }}
        >
          Delete stream
        </button>
      </p>
      {message ? <p class="message">{message}</p> : null}
    </div>
  );
}

interface TailRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  arrivalMs: number;
  decoded: DecodedRecord;
}

interface GetRecordsOutput {
  Records: Array<{ Data: string; PartitionKey: string; SequenceNumber: string; ApproximateArrivalTimestamp: number }>;
  NextShardIterator?: string;
  MillisBehindLatest: number;
  ChildShards?: Array<{ ShardId: string }>;
}

const TAIL_KEPT = 300;
/**
 * Records a poll reads over all shards (each shard's page is its share, at least TAIL_MIN_PAGE): an open tail costs
 * the server about the same however fast the stream is written, and a person reads far fewer than this a second.
 */
const TAIL_BUDGET = 100;
const TAIL_MIN_PAGE = 10;
/** A tail further behind than this (from LATEST) skips to the newest records. */
const SKIP_AHEAD_MS = 3000;

/** Live tail: GetRecords on every shard once a second, newest first, with pause, filter and a start time. */
function Tail({ stream }: { stream: string }) {
  const [records, setRecords] = useState<TailRecord[]>([]);
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState('');
  const [from, setFrom] = useState('');
  const [startAt, setStartAt] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>();
  const [skipped, setSkipped] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const iterators = new Map<string, string>();
    setRecords([]);
    const open = async (shardId: string, type: 'LATEST' | 'AT_TIMESTAMP' | 'TRIM_HORIZON') => {
      const r = await aws<{ ShardIterator: string }>('kinesis', 'GetShardIterator', {
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(type === 'AT_TIMESTAMP' ? { Timestamp: startAt! / 1000 } : {}),
      });
      iterators.set(shardId, r.ShardIterator);
    };
    const poll = async () => {
      if (stopped) return;
      try {
        if (!pausedRef.current) {
          const got: TailRecord[] = [];
          const page = Math.max(TAIL_MIN_PAGE, Math.ceil(TAIL_BUDGET / Math.max(1, iterators.size)));
          for (const [shardId, it] of [...iterators]) {
            const r = await aws<GetRecordsOutput>('kinesis', 'GetRecords', { ShardIterator: it, Limit: page });
            if (r.Records.length) {
              // Text, JSON and KPL user records are made on the server (src/kinesis's deaggregate), not here.
              const decoded = await consolePost<{ records: DecodedRecord[] }>('decode', {
                records: r.Records.map((x) => ({ data: x.Data, partitionKey: x.PartitionKey, sequenceNumber: x.SequenceNumber })),
              });
              r.Records.forEach((rec, i) =>
                got.push({
                  shardId,
                  sequenceNumber: rec.SequenceNumber,
                  partitionKey: rec.PartitionKey,
                  arrivalMs: rec.ApproximateArrivalTimestamp * 1000,
                  decoded: decoded.records[i] ?? { text: '', json: false },
                }),
              );
            }
            if (r.NextShardIterator && startAt === undefined && r.MillisBehindLatest > SKIP_AHEAD_MS) {
              // Faster than a page a second: a live tail shows the newest records, so it jumps to the end.
              await open(shardId, 'LATEST');
              setSkipped((n) => n + 1);
            } else if (r.NextShardIterator) iterators.set(shardId, r.NextShardIterator);
            else {
              iterators.delete(shardId);
              for (const c of r.ChildShards ?? []) if (!iterators.has(c.ShardId)) await open(c.ShardId, 'TRIM_HORIZON');
            }
          }
          if (got.length && !stopped) {
            got.sort((a, b) => b.arrivalMs - a.arrivalMs);
            setRecords((old) => [...got, ...old].slice(0, TAIL_KEPT));
          }
        }
        setError(undefined);
      } catch (e) {
        setError(errorText(e));
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };
    (async () => {
      try {
        const shards = (
          await aws<{ Shards: Array<{ ShardId: string; SequenceNumberRange: { EndingSequenceNumber?: string } }> }>('kinesis', 'ListShards', {
            StreamName: stream,
          })
        ).Shards;
        for (const s of shards) {
          if (startAt !== undefined) await open(s.ShardId, 'AT_TIMESTAMP');
          else if (s.SequenceNumberRange.EndingSequenceNumber === undefined) await open(s.ShardId, 'LATEST');
        }
      } catch (e) {
        setError(errorText(e));
      }
      await poll();
    })();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [stream, startAt]);

  const f = filter.toLowerCase();
  const matches = (r: TailRecord): boolean =>
    r.partitionKey.toLowerCase().includes(f) ||
    r.decoded.text.toLowerCase().includes(f) ||
    (r.decoded.subRecords?.some((x) => x.partitionKey.toLowerCase().includes(f) || x.text.toLowerCase().includes(f)) ?? false);
  const shown = f ? records.filter(matches) : records;
  return (
    <section class="tail" data-testid="tail">
      <h2>Live tail</h2>
      <div class="row">
        <button type="button" onClick={() => setPaused(!paused)} data-testid="tail-pause">
          {paused ? 'Resume' : 'Pause'}
        </button>
        <input placeholder="filter (text or partition key)" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="tail-filter" />
        <label>
          from <input type="datetime-local" step="1" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <button type="button" onClick={() => setStartAt(from ? new Date(from).getTime() : undefined)}>
          {from ? 'Read from then' : 'Latest'}
        </button>
        <span class="muted">
          {shown.length} of {records.length} record(s){paused ? ' · paused' : ''}
          {skipped ? ` · skipped ahead ${skipped}× (over ${TAIL_BUDGET} records/s)` : ''}
        </span>
      </div>
      {error ? <p class="error">{error}</p> : null}
      <table class="list tail-table">
        <thead>
          <tr>
            <th>Arrival</th>
            <th>Shard</th>
            <th>Partition key</th>
            <th>Sequence number</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.sequenceNumber}>
              <td class="nowrap">{time(r.arrivalMs)}</td>
              <td class="small">{r.shardId.replace('shardId-', '')}</td>
              <td>{r.partitionKey}</td>
              <td class="mono small">{r.sequenceNumber}</td>
              <td class={r.decoded.json ? 'mono json' : 'mono'}>
                {r.decoded.text}
                {r.decoded.subRecords ? (
                  <ul class="sub">
                    {r.decoded.subRecords.map((s, i) => (
                      <li key={i} class={s.json ? 'json' : ''}>
                        <b>{s.partitionKey}</b> {s.text}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
