/** The live counter generators print on stderr: one line, rewritten each second on a terminal. */
import type { GeneratorStats } from './run.ts';

export interface ProgressSource {
  readonly stats: GeneratorStats;
}

export function startProgress(label: string, source: ProgressSource, stream: NodeJS.WriteStream = process.stderr): { stop(): void } {
  const startMs = Date.now();
  const tty = stream.isTTY === true;
  let lastPrint = 0;
  const line = () => {
    const s = source.stats;
    const secs = Math.max(0.001, (Date.now() - startMs) / 1000);
    return `${label}: ${s.sent.toLocaleString('en-US')} sent (${(s.sent / secs).toFixed(1)}/s), ${s.generated - s.sent - s.failed} pending, ${s.retried} retried, ${s.failed} failed${s.anomalies ? `, ${s.anomalies} anomalies` : ''}`;
  };
  const timer = setInterval(() => {
    if (tty) stream.write(`\r\x1b[K${line()}`);
    else if (Date.now() - lastPrint >= 10_000) {
      lastPrint = Date.now();
      stream.write(`${line()}\n`);
    }
  }, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      stream.write(`${tty ? '\r\x1b[K' : ''}${line()}\n`);
    },
  };
}
