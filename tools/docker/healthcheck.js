// The image's HEALTHCHECK (Dockerfile): GET /health/live on this container's app, at PORT on
// loopback (the app listens on HOST, 0.0.0.0 in the image). Exit 0 on a 2xx answer, 1 otherwise.
// Plain CommonJS that the image runs as it is: slim images have no curl, and node has fetch.
'use strict';

const port = process.env.PORT || '8080';
// Below the HEALTHCHECK's own --timeout, so that a hung app reads as a failed check with a reason.
const timeoutMs = 3000;

fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(timeoutMs) }).then(
  (response) => {
    if (!response.ok) process.stderr.write(`health/live answered ${response.status}\n`);
    process.exit(response.ok ? 0 : 1);
  },
  (error) => {
    process.stderr.write(`health/live: ${error.cause?.code ?? error.name}: ${error.message}\n`);
    process.exit(1);
  },
);
