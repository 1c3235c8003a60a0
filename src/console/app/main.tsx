/** The console's entry: a hash router over the pages, the navigation bar and the live-feed indicator. */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  authEnforced,
  configure,
  consoleGet,
  errorText,
  hasCloudWatch,
  signedIn,
  signIn,
  signInWithLink,
  signOut,
  signOutWhenExpired,
  useLive,
} from './api.ts';
import { Overview } from './pages/overview.tsx';
import { StreamsPage } from './pages/streams.tsx';
import { AppsPage } from './pages/apps.tsx';
import { DeliveriesPage } from './pages/deliveries.tsx';
import { AnomaliesPage } from './pages/anomalies.tsx';
import { MetricsPage } from './pages/metrics.tsx';
import { FunctionsPage } from './pages/functions.tsx';
import { DetectorsPage } from './pages/detectors.tsx';
import { ViewsPage } from './pages/views.tsx';

const PAGES = [
  { path: 'overview', label: 'Overview' },
  { path: 'streams', label: 'Streams' },
  { path: 'apps', label: 'SQL applications' },
  { path: 'deliveries', label: 'Delivery streams' },
  { path: 'anomalies', label: 'Anomalies' },
  { path: 'detectors', label: 'Metric detectors' },
  { path: 'functions', label: 'Functions' },
  { path: 'views', label: 'Views' },
  { path: 'metrics', label: 'Metrics and alarms' },
] as const;

function currentRoute(): string[] {
  const h = location.hash.replace(/^#\/?/, '');
  return h ? h.split('/').map(decodeURIComponent) : ['overview'];
}

export function link(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

/** Under `--auth enforce`: an access key and secret (and a session token for STS credentials), checked with STS GetCallerIdentity. */
function SignIn() {
  const [accessKeyId, setKey] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [sessionToken, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await signIn({
        accessKeyId: accessKeyId.trim(),
        secretAccessKey: secretAccessKey.trim(),
        ...(sessionToken.trim() ? { sessionToken: sessionToken.trim() } : {}),
      });
      location.reload();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form class="card" onSubmit={submit} data-testid="sign-in">
        <h1>Sign in to Freshet</h1>
        <p class="muted">
          This server checks credentials (<code>--auth enforce</code>). Use an IAM user's access key, the root keys (
          <code>&lt;data-dir&gt;/root-credentials</code>), or STS session credentials. They are kept in this tab only.
        </p>
        <label>
          Access key ID <input name="accessKeyId" value={accessKeyId} onInput={(e) => setKey(e.currentTarget.value)} required autocomplete="username" />
        </label>
        <label>
          Secret access key{' '}
          <input
            name="secretAccessKey"
            type="password"
            value={secretAccessKey}
            onInput={(e) => setSecret(e.currentTarget.value)}
            required
            autocomplete="current-password"
          />
        </label>
        <label>
          Session token (STS credentials only) <input name="sessionToken" value={sessionToken} onInput={(e) => setToken(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error ? (
          <p class="error" data-testid="sign-in-error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
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
    case 'functions':
      body = <FunctionsPage name={rest[0]} />;
      break;
    case 'views':
      body = <ViewsPage />;
      break;
    case 'detectors':
      body = <DetectorsPage name={rest[0]} />;
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
        {signedIn() ? (
          <span class="caller" data-testid="caller">
            {signedIn()!.arn}{' '}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </span>
        ) : null}
        <span class={`live-dot ${live.connected ? 'on' : 'off'}`} title={live.connected ? 'live: updated every second' : 'live feed disconnected'}>
          {live.connected ? 'live' : 'offline'}
        </span>
      </header>
      <main>
        {live.refused ? (
          <p class="error" data-testid="live-refused">
            The live view is refused: {live.refused}
          </p>
        ) : null}
        {body}
      </main>
    </>
  );
}

// The configuration first: which APIs exist decides which pages and charts show.
consoleGet<{ region: string; auth: string; services: string[] }>('config').then(
  (c) => {
    configure(c);
    const show = () => {
      signOutWhenExpired();
      render(authEnforced() && !signedIn() ? <SignIn /> : <App />, document.getElementById('app')!);
    };
    // A presigned application link signs its visitor in for that application (a refused one leaves the sign-in form).
    signInWithLink().then(show, show);
  },
  () => render(<App />, document.getElementById('app')!), // defaults: us-east-1, no CloudWatch
);
