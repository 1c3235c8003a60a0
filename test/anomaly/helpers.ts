/** Test data: a small seeded generator independent of the forest's own PRNG. */
export class TestRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1) (xorshift32). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  /** Approximately standard normal (sum of 12 uniforms). */
  gaussian(): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.next();
    return s - 6;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** A trade as in scenario S2: 5% injected with much higher price and quantity. */
export interface Trade {
  tickerSymbol: string;
  tradeType: 'BUY' | 'SELL';
  price: number;
  quantity: number;
  id: number;
  injected: boolean;
}

const TICKERS = ['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV'];

/** One producer invocation: `count` trades, `anomalyRate` of them anomalous (at random positions). */
export function tradeBatch(rnd: TestRandom, firstId: number, count = 100, anomalyRate = 0.05): Trade[] {
  const injectedCount = Math.round(count * anomalyRate);
  const injectedAt = new Set<number>();
  while (injectedAt.size < injectedCount) injectedAt.add(rnd.int(0, count - 1));
  const out: Trade[] = [];
  for (let i = 0; i < count; i++) {
    const injected = injectedAt.has(i);
    out.push({
      tickerSymbol: TICKERS[rnd.int(0, TICKERS.length - 1)]!,
      tradeType: rnd.next() < 0.5 ? 'BUY' : 'SELL',
      price: injected ? 500 + rnd.next() * 500 : 10 + rnd.next() * 90,
      quantity: injected ? rnd.int(1000, 5000) : rnd.int(1, 100),
      id: firstId + i,
      injected,
    });
  }
  return out;
}
