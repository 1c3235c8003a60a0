/**
 * What the Nexmark benchmarks (bench/sql/nexmark.ts for KDA SQL, bench/sql/nexmark-flink.ts for Flink SQL)
 * share: the Person / Auction / Bid rows they generate, and loading them into DuckDB (one thread, through its
 * appender) as the batch baseline each query is compared with. Each benchmark keeps its own generator: the
 * Flink one draws bidders from a second generator for q11, so their bids differ.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  rt: number;
}
export interface Person {
  id: number;
  name: string;
  city: string;
  state: string;
  rt: number;
}
export interface Auction {
  id: number;
  seller: number;
  reserve: number;
  category: number;
  rt: number;
}

/** Creates tables bid, person and auction (event time `rt` in ms) on a one-thread DuckDB connection and fills them. */
export async function loadNexmarkTables(
  con: DuckDBConnection,
  data: { bids: readonly Bid[]; persons: readonly Person[]; auctions: readonly Auction[] },
): Promise<void> {
  await con.run('SET threads = 1');
  await con.run('CREATE TABLE bid (auction INTEGER, bidder INTEGER, price DOUBLE, channel VARCHAR, url VARCHAR, rt DOUBLE)');
  await con.run('CREATE TABLE person (id INTEGER, name VARCHAR, city VARCHAR, state VARCHAR, rt DOUBLE)');
  await con.run('CREATE TABLE auction (id INTEGER, seller INTEGER, reserve INTEGER, category INTEGER, rt DOUBLE)');
  let ap = await con.createAppender('bid');
  for (const b of data.bids) {
    ap.appendInteger(b.auction);
    ap.appendInteger(b.bidder);
    ap.appendDouble(b.price);
    ap.appendVarchar(b.channel);
    ap.appendVarchar(b.url);
    ap.appendDouble(b.rt);
    ap.endRow();
  }
  ap.closeSync();
  ap = await con.createAppender('person');
  for (const p of data.persons) {
    ap.appendInteger(p.id);
    ap.appendVarchar(p.name);
    ap.appendVarchar(p.city);
    ap.appendVarchar(p.state);
    ap.appendDouble(p.rt);
    ap.endRow();
  }
  ap.closeSync();
  ap = await con.createAppender('auction');
  for (const a of data.auctions) {
    ap.appendInteger(a.id);
    ap.appendInteger(a.seller);
    ap.appendInteger(a.reserve);
    ap.appendInteger(a.category);
    ap.appendDouble(a.rt);
    ap.endRow();
  }
  ap.closeSync();
}

/** Events per second of event time, as the tables print it: "1.23 M/s". */
export const fmtRate = (events: number, ms: number): string => `${(events / (ms / 1000) / 1e6).toFixed(2)} M/s`;

/**
 * Nexmark's 1 person : 3 auctions, `n` people joining at a tenth of the bid rate from `t0`; sellers are people
 * who joined in the last ~5 s (most q8 joins hit). `rnd` is the benchmark's generator, drawn in a fixed order.
 */
export function personsAndAuctions(n: number, t0: number, bidsPerSecond: number, rnd: () => number): { persons: Person[]; auctions: Auction[] } {
  const persons: Person[] = [];
  const auctions: Auction[] = [];
  for (let i = 0; i < n; i++) {
    const rt = t0 + Math.floor((i * 1000) / (bidsPerSecond / 10));
    persons.push({ id: i, name: `person ${i}`, city: 'Seattle', state: 'WA', rt });
    for (let k = 0; k < 3; k++) {
      const back = Math.floor(rnd() * 5 * (bidsPerSecond / 10));
      auctions.push({ id: i * 3 + k, seller: Math.max(0, i - back), reserve: Math.floor(rnd() * 10_000), category: Math.floor(rnd() * 10), rt });
    }
  }
  return { persons, auctions };
}
