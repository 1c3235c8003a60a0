/** The console's entry: a hash router over the pages, the navigation bar and the live-feed indicator. */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { consoleGet, setRegion, useLive } from './api.ts';
import { Overview } from './pages/overview.tsx';
import { StreamsPage } from './pages/streams.tsx';
import { AppsPage } from './pages/apps.tsx';
import { DeliveriesPage } from './pages/deliveries.tsx';
import { AnomaliesPage } from './pages/anomalies.tsx';

const PAGES = [
  { path: 'overview', label: 'Overview' },
  { path: 'streams', label: 'Streams' },
  { path: 'apps', label: 'SQL applications' },
  { path: 'deliveries', label: 'Delivery streams' },
  { path: 'anomalies', label: 'Anomalies' },
] as const;

function currentRoute(): string[] {
  const h = location.hash.replace(/^#\/?/, '');
  return h ? h.split('/').map(decodeURIComponent) : ['overview'];
}

export function link(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  const live = useLive();
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const [page, ...rest] = route;
  let body;
  switch (page) {
    case 'streams':
      body = <StreamsPage name={rest[0]} />;
      break;
    case 'apps':
      body = <AppsPage name={rest[0]} />;
      break;
    case 'deliveries':
      body = <DeliveriesPage name={rest[0]} />;
      break;
    case 'anomalies':
      body = <AnomaliesPage />;
      break;
    default:
      body = <Overview />;
  }
  return (
    <>
      <header class="top">
        <a class="brand" href={link('overview')}>
          Freshet
        </a>
        <nav>
          {PAGES.map((p) => (
            <a key={p.path} href={link(p.path)} class={p.path === (page ?? 'overview') ? 'active' : ''}>
              {p.label}
            </a>
          ))}
        </nav>
        <span class={`live-dot ${live.connected ? 'on' : 'off'}`} title={live.connected ? 'live: updated every second' : 'live feed disconnected'}>
          {live.connected ? 'live' : 'offline'}
        </span>
      </header>
      <main>{body}</main>
    </>
  );
}

consoleGet<{ region: string }>('config').then(
  (c) => setRegion(c.region),
  () => undefined, // the default region stays: the server is starting or older
);
render(<App />, document.getElementById('app')!);
