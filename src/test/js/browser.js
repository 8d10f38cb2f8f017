// The browser side of ReplayLink's end-to-end test: @sentry/browser with tracing and Session Replay, as a web
// shop's page would use it. window.REPLAYLINK (set by the page) names the DSN, the mode and the backends to call.
// The page calls each backend (each fails and reports its own error), then fails itself, flushes and sets
// window.DONE to what the test needs: the replay id.
import * as Sentry from '@sentry/browser';

const config = window.REPLAYLINK;
const session = config.mode === 'session';

Sentry.init({
  dsn: config.dsn,
  integrations: [
    Sentry.browserTracingIntegration(),
    Sentry.replayIntegration({ minReplayDuration: 0, flushMinDelay: 200, flushMaxDelay: 1000 }),
  ],
  tracesSampleRate: config.tracesSampleRate,
  tracePropagationTargets: [/^http:\/\/127\.0\.0\.1/],
  replaysSessionSampleRate: session ? 1.0 : 0,
  replaysOnErrorSampleRate: 1.0,
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run() {
  document.body.textContent = 'checkout';
  await sleep(300);
  for (const url of config.backends) {
    try {
      await fetch(url, { method: 'POST', body: '{}' });
    } catch (e) {
      console.log('backend call failed: ' + e);
    }
  }
  // the backends' errors reach ingestion first; the browser's own error follows
  await sleep(config.browserErrorAfterMs);
  document.body.textContent = 'checkout failed';
  Sentry.captureException(new Error('checkout failed in the browser'));
  await sleep(1500);
  const replay = Sentry.getReplay();
  await replay.flush();
  await sleep(1000);
  await Sentry.flush(5000);
  window.DONE = { replayId: replay.getReplayId() || null, mode: config.mode };
}

run().catch((e) => {
  window.DONE = { error: String(e) };
});
