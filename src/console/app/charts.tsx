/** Sparklines (a small SVG path) and live time-series charts (uPlot). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export function Sparkline({ values, width = 120, height = 28 }: { values: number[]; width?: number; height?: number }) {
  if (values.length < 2) return <svg class="spark" width={width} height={height} />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  let d = '';
  for (let i = 0; i < values.length; i++)
    d += `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(height - 2 - ((values[i] ?? 0) / max) * (height - 4)).toFixed(1)}`;
  return (
    <svg class="spark" width={width} height={height} role="img" aria-label="sparkline">
      <path d={d} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}

export interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
  /** Draw points only (e.g. anomaly scores), on the right-hand axis. */
  points?: boolean;
  right?: boolean;
}

const RIGHT_SCALE = 'right';

/** A uPlot chart of series over `times` (epoch seconds), redrawn in place when the data changes. */
export function LiveChart({
  title,
  times,
  series,
  height = 180,
  timeAxis = true,
  xRange,
}: {
  title: string;
  times: number[];
  series: Series[];
  height?: number;
  timeAxis?: boolean;
  /** A fixed x window (e.g. the last hour of a metric), so sparse data sits where it belongs. */
  xRange?: [number, number];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const range = useRef(xRange);
  range.current = xRange;
  // Few points: draw them, or a single datapoint would be invisible.
  const sparse = times.length < 30;
  const shape = series.map((s) => `${s.label}${s.points ? '.' : ''}${s.right ? 'r' : ''}`).join('|');
  const data = [times, ...series.map((s) => s.values)] as uPlot.AlignedData;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hasRight = series.some((s) => s.right);
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth || 600),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: timeAxis,
          range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => range.current ?? (min === max ? [min - 30, max + 30] : [min, max]),
        },
        ...(hasRight ? { [RIGHT_SCALE]: { auto: true } } : {}),
      },
      axes: [{}, { size: 60 }, ...(hasRight ? [{ scale: RIGHT_SCALE, side: 1, grid: { show: false }, size: 50 }] : [])],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          ...(s.right ? { scale: RIGHT_SCALE } : {}),
          ...(s.points ? { paths: () => null, points: { show: true, size: 5, fill: s.color } } : { points: { show: sparse, size: 5, fill: s.color } }),
        })),
      ],
    };
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [shape, height, timeAxis, sparse]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
