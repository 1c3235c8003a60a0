/**
 * The rolling z-score baseline for bench/detectors: each value against the mean and standard deviation of the
 * previous 288 values (a day of 5-minute data); grade = min(1, |z| / 10). Prints timestamp,value,anomaly_grade
 * for ../shared/tools/nab-sample-score.py.
 */
import { readFileSync } from 'node:fs';

const WINDOW = 288;
const lines = readFileSync(process.argv[2]!, 'utf8').trim().split(/\r?\n/);
const header = lines[0]!.split(',');
const ti = header.indexOf('timestamp');
const vi = header.indexOf('value');
const recent: number[] = [];
let out = 'timestamp,value,anomaly_grade\n';
for (const line of lines.slice(1)) {
  const cells = line.split(',');
  const v = Number(cells[vi]);
  let grade = 0;
  if (recent.length >= 30) {
    let sum = 0;
    for (const x of recent) sum += x;
    const mean = sum / recent.length;
    let sq = 0;
    for (const x of recent) sq += (x - mean) ** 2;
    const sd = Math.sqrt(sq / recent.length);
    grade = sd > 0 ? Math.min(1, Math.abs(v - mean) / sd / 10) : v === mean ? 0 : 1;
  }
  recent.push(v);
  if (recent.length > WINDOW) recent.shift();
  out += `${cells[ti]},${cells[vi]},${grade.toFixed(6)}\n`;
}
process.stdout.write(out);
