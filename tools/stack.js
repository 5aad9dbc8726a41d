// Local test stack (Kafka, DynamoDB Local, Redis, Mosquitto, SMTP sink, Jaeger): up | down | status | env.
// Plain processes, or Docker containers with GEOPULSE_HARNESS=containers (docs/decisions/0012).
const cli = require('node:path').join(__dirname, '..', 'libs', 'testing', 'dist', 'cli.js');
if (!require('node:fs').existsSync(cli)) { console.error('The stack CLI is not built yet: run `npx nx build testing` first.'); process.exit(1); }
require(cli).runCli(process.argv.slice(2)).then((code) => process.exit(code), (error) => { console.error(error instanceof Error ? error.message : error); process.exit(1); });
