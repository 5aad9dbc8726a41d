// Local test stack without Docker (Kafka, DynamoDB Local, Redis, Mosquitto, SMTP sink, OTLP collector): up | down | status | env.
const cli = require('node:path').join(__dirname, '..', 'libs', 'testing', 'dist', 'cli.js');
if (!require('node:fs').existsSync(cli)) { console.error('The stack CLI is not built yet: run `npx nx build testing` first.'); process.exit(1); }
require(cli).runCli(process.argv.slice(2)).then((code) => process.exit(code), (error) => { console.error(error instanceof Error ? error.message : error); process.exit(1); });
