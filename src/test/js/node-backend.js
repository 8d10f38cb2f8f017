// A Node backend with @sentry/node: continues the browser's trace from sentry-trace/baggage (the SDK's http
// instrumentation) and reports the error it fails with. Prints "listening <port>" once it accepts requests.
const Sentry = require('@sentry/node');

Sentry.init({ dsn: process.env.SENTRY_DSN, tracesSampleRate: 1.0, sendDefaultPii: false });

const http = require('http');

let requests = 0;

const server = http.createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'sentry-trace, baggage, content-type');
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  if (req.method === 'OPTIONS') {
    res.end();
    return;
  }
  req.resume();
  req.on('end', () => {
    // unique per request: the SDK's dedupe integration drops an error equal to the one before
    const id = Sentry.captureException(new Error('payment service failed (node), request ' + (++requests)));
    console.log('event ' + id);
    Sentry.flush(5000).then(() => {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ event_id: id }));
    });
  });
});

server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
process.on('SIGTERM', () => Sentry.close(2000).then(() => process.exit(0)));
