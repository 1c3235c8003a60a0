/** The console's entry: a hash router over the pages, the navigation bar and the live-feed indicator. */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { configure, consoleGet, hasCloudWatch, useLive } from './api.ts';
import { Overview } from './pages/overview.tsx';
import { StreamsPage } from './pages/streams.tsx';
import { AppsPage } from './pages/apps.tsx';
import { DeliveriesPage } from './pages/deliveries.tsx';
import { AnomaliesPage } from './pages/anomalies.tsx';
import { MetricsPage } from './pages/metrics.tsx';

const PAGES = [
  { path: 'overview', label: 'Overview' },
  { path: 'streams', label: 'Streams' },
  { path: 'apps', label: 'SQL applications' },
  { path: 'deliveries', label: 'Delivery streams' },
  { path: 'anomalies', label: 'Anomalies' },
  { path: 'metrics', label: 'Metrics and alarms' },
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
    case 'metrics':
      body = <MetricsPage />;
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
          {PAGES.filter((p) => p.path !== 'metrics' || hasCloudWatch()).map((p) => (
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

// The configuration first: which APIs exist decides which pages and charts show.
consoleGet<{ region: string; services: string[] }>('config').then(
  (c) => {
    configure(c);
    render(<App />, document.getElementById('app')!);
  },
  () => render(<App />, document.getElementById('app')!), // defaults: us-east-1, no CloudWatch
);
