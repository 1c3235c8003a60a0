/**
 * The "external" enrichment endpoint of S4.4: answers
 * GET /?ticker=AMZN with {"sector": …, "rating": …} after LATENCY_MS
 * (default 50 ms), like a remote service would.
 *
 *   node examples/s4-enrichment/endpoint-stub.mjs [port]     # prints "listening <port>"
 */
import { createServer } from 'node:http';

const SECTORS = { AMZN: 'Consumer Discretionary', MSFT: 'Information Technology', AAPL: 'Information Technology', XOM: 'Energy', JPM: 'Financials' };
const latencyMs = Number(process.env.LATENCY_MS ?? 50);

export function startStub(port = 0, delayMs = latencyMs) {
  const server = createServer((req, res) => {
    const ticker = new URL(req.url ?? '/', 'http://stub').searchParams.get('ticker') ?? '';
    setTimeout(() => {
      const body = JSON.stringify({ sector: SECTORS[ticker] ?? 'Unknown', rating: ticker.length % 3 === 0 ? 'BUY' : 'HOLD' });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    }, delayMs);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startStub(Number(process.argv[2] ?? 0));
  console.log(`listening ${server.address().port}`);
}
