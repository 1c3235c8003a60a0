/**
 * EXPLAIN: a pump's operator tree as text, in the shape of Flink's physical
 * plan (one node per line, `+- ` for inputs; with CHANGELOG_MODE each node
 * says whether it emits inserts only or updates).
 */
import type { WindowPlan } from '../../plan/flink.ts';
import type { AggPlan, OpPlan, PExpr, PumpPlan, StreamPlan } from '../../plan/plan.ts';
import { inputsOf } from '../../plan/plan.ts';

function ms(n: number): string {
  if (n % 3_600_000 === 0) return `${n / 3_600_000} h`;
  if (n % 60_000 === 0) return `${n / 60_000} min`;
  if (n % 1000 === 0) return `${n / 1000} s`;
  return `${n} ms`;
}

function windowText(w: WindowPlan): string {
  switch (w.kind) {
    case 'TUMBLE':
      return `TUMBLE(size=[${ms(w.sizeMs)}]${w.offsetMs ? `, offset=[${ms(w.offsetMs)}]` : ''})`;
    case 'HOP':
      return `HOP(slide=[${ms(w.slideMs)}], size=[${ms(w.sizeMs)}])`;
    case 'CUMULATE':
      return `CUMULATE(max_size=[${ms(w.maxSizeMs)}], step=[${ms(w.stepMs)}])`;
    case 'SESSION':
      return `SESSION(gap=[${ms(w.gapMs)}])`;
  }
}

export function exprText(p: PExpr): string {
  switch (p.k) {
    case 'col':
      return `$${p.i}`;
    case 'lit':
      return p.v === null ? 'null' : typeof p.v === 'string' ? `'${p.v}'` : String(p.v);
    case 'case':
      return `CASE(${p.whens.map((w) => `${exprText(w.when)}, ${exprText(w.then)}`).join(', ')}${p.else ? `, ${exprText(p.else)}` : ''})`;
    case 'call':
      if (p.fn === 'fCast' || p.fn === 'tryCast' || p.fn === 'fText') return `${p.fn === 'tryCast' ? 'TRY_CAST' : 'CAST'}(${exprText(p.args[0]!)})`;
      return `${p.fn}(${p.args.map(exprText).join(', ')})`;
  }
}

function aggText(a: AggPlan): string {
  return `${a.fn}(${a.distinct ? 'DISTINCT ' : ''}${a.arg ? exprText(a.arg) : '*'})`;
}

/** Flink's names for the join types in a plan. */
const JOIN_TYPES: Record<string, string> = { INNER: 'InnerJoin', LEFT: 'LeftOuterJoin', RIGHT: 'RightOuterJoin', FULL: 'FullOuterJoin' };

/** Whether `o` emits updates: its own kind, or a row-by-row operator (Calc, Union, Limit) over an input that does. */
function emitsUpdates(o: OpPlan, streams: Map<string, StreamPlan>): boolean {
  if (node(o, streams).updates) return true;
  return (o.op === 'filterProject' || o.op === 'unionAll' || o.op === 'limit') && inputsOf(o).some((x) => emitsUpdates(x, streams));
}

function node(o: OpPlan, streams: Map<string, StreamPlan>): { text: string; updates: boolean } {
  switch (o.op) {
    case 'scan': {
      const s = streams.get(o.stream);
      const wm = s?.flink?.watermark;
      const cols = s?.columns.map((c) => c.name).join(', ') ?? '';
      const scan = `TableSourceScan(table=[[default_catalog, default_database, ${o.stream}]], fields=[${cols}])`;
      return {
        text: wm ? `WatermarkAssigner(rowtime=[${s!.columns[wm.column]!.name}], watermark=[${exprText(wm.expr)}])\n${scan}` : scan,
        updates: !!s?.flink?.changelog,
      };
    }
    case 'filterProject':
      return {
        text: `Calc(select=[${o.project ? o.project.map(exprText).join(', ') : '*'}]${o.filter ? `, where=[${exprText(o.filter)}]` : ''})`,
        updates: false,
      };
    case 'windowAgg':
      return {
        text: `${o.proctime ? 'ProcTime' : ''}WindowAggregate(groupBy=[${o.keys.map(exprText).join(', ')}], window=[${windowText(o.window)}], select=[${o.aggs.map(aggText).join(', ')}])`,
        updates: false,
      };
    case 'windowAssign':
      return { text: `WindowTableFunction(window=[${windowText(o.window)}])`, updates: false };
    case 'groupAgg':
      return {
        text: `GroupAggregate(groupBy=[${o.keys.map(exprText).join(', ')}], select=[${o.aggs.map(aggText).join(', ')}]${o.ttlMs ? `, stateTtl=[${ms(o.ttlMs)}]` : ''})`,
        updates: true,
      };
    case 'overAgg':
      return {
        text: `OverAggregate(partitionBy=[${o.partition.map(exprText).join(', ')}], orderBy=[${exprText(o.time)} ASC], window=[${o.rangeMs !== null ? `RANG BETWEEN ${ms(o.rangeMs)} PRECEDING AND CURRENT ROW` : o.rows !== null ? `ROWS BETWEEN ${o.rows} PRECEDING AND CURRENT ROW` : 'RANG BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'}], select=[${o.aggs.map(aggText).join(', ')}])`,
        updates: false,
      };
    case 'intervalJoin':
      return { text: `IntervalJoin(joinType=[${o.joinType}], windowBounds=[lower=${o.lowerMs} ms, upper=${o.upperMs} ms])`, updates: false };
    case 'regularJoin':
      return {
        text: `Join(joinType=[${JOIN_TYPES[o.joinType] ?? o.joinType}], leftKeys=[${o.leftKeys.map(exprText).join(', ')}], rightKeys=[${o.rightKeys.map(exprText).join(', ')}]${o.ttlMs ? `, stateTtl=[${ms(o.ttlMs)}]` : ''})`,
        updates: o.changelog,
      };
    case 'semiJoin':
      return {
        text: `Join(joinType=[${o.anti ? 'LeftAntiJoin' : 'LeftSemiJoin'}], leftKeys=[${o.leftKeys.map(exprText).join(', ')}], rightKeys=[${o.rightKeys.map(exprText).join(', ')}]${o.nullAware ? ', nullAware=[true]' : ''})`,
        updates: o.changelog,
      };
    case 'temporalJoin':
      return { text: `TemporalJoin(joinType=[${o.joinType}], leftTime=[${exprText(o.leftTime)}], rightTime=[${exprText(o.rightTime)}])`, updates: false };
    case 'joinTable':
      return { text: `LookupJoin(table=[${o.table}], joinType=[${o.joinType}])`, updates: false };
    case 'rank':
      return {
        text: o.dedup
          ? `Deduplicate(keep=[${o.dedup === 'first' ? 'FirstRow' : 'LastRow'}], key=[${o.partition.map(exprText).join(', ')}], order=[${o.proctime ? 'PROCTIME' : 'ROWTIME'}])`
          : `${o.windowEnd !== null ? 'Window' : ''}Rank(rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=${o.limit}], partitionBy=[${o.partition.map(exprText).join(', ')}], orderBy=[${o.order.map((k) => `${exprText(k.expr)} ${k.desc ? 'DESC' : 'ASC'}`).join(', ')}])`,
        updates: o.changelog,
      };
    case 'match':
      return {
        text: `Match(partitionBy=[${o.partition.map(exprText).join(', ')}], orderBy=[${exprText(o.time)} ASC], pattern=[${o.vars.join(', ')}])`,
        updates: false,
      };
    case 'unionAll':
      return { text: 'Union(all=[true])', updates: false };
    case 'timeSort':
      return { text: `TemporalSort(orderBy=[${exprText(o.time)} ASC])`, updates: false };
    case 'limit':
      return { text: `Limit(fetch=[${o.n}])`, updates: false };
    case 'unnest':
      return {
        text: `Correlate(invocation=[UNNEST(${exprText(o.arg)})${o.ordinality ? ' WITH ORDINALITY' : ''}], joinType=[${o.outer ? 'LEFT' : 'INNER'}]${o.filter ? `, condition=[${exprText(o.filter)}]` : ''})`,
        updates: o.kind !== null,
      };
    default:
      return { text: o.op, updates: false };
  }
}

/** Renders a pump: its sink, then its operators, inputs indented under each node. */
export function explainPump(p: PumpPlan, streams: Map<string, StreamPlan>, changelog: boolean): string {
  const lines: string[] = [];
  const sink = streams.get(p.target);
  const mode = (updates: boolean): string => (changelog ? `, changelogMode=[${updates ? 'I,UB,UA,D' : 'I'}]` : '');
  const rootUpdates = p.kindSlot !== undefined;
  lines.push(
    sink?.flink?.connector.connector === 'collect'
      ? `Collect(fields=[${sink.columns.map((c) => c.name).join(', ')}]${mode(rootUpdates)})`
      : `Sink(table=[default_catalog.default_database.${p.target}], fields=[${sink?.columns.map((c) => c.name).join(', ') ?? ''}]${mode(rootUpdates)})`,
  );
  const walk = (o: OpPlan, depth: number, inherited: boolean): void => {
    const n = node(o, streams);
    const updates = n.updates || inherited || emitsUpdates(o, streams);
    const indent = '   '.repeat(depth);
    const parts = n.text.split('\n');
    parts.forEach((t, i) => {
      const last = i === parts.length - 1;
      lines.push(`${'   '.repeat(depth + i)}+- ${t.replace(/\)$/, `${last ? mode(updates) : mode(updates)})`)}`);
    });
    void indent;
    for (const x of inputsOf(o)) walk(x, depth + parts.length, false);
  };
  walk(p.root, 0, false);
  return lines.join('\n');
}
