// Runs the graphql-http server audit (every MUST, SHOULD and MAY check of the GraphQL over
// HTTP specification) against a Terrasse server, prints one line per check and exits 1 when
// any check is not `ok`. Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

let failed = 0;
const audits = serverAudits({ url, fetchFn: fetch });
for (const audit of audits) {
  const result = await audit.fn();
  if (result.status !== 'ok') failed += 1;
  const reason = result.status === 'ok' ? '' : ` — ${result.reason}`;
  console.log(`${result.status.padEnd(6)} ${audit.name}${reason}`);
}
console.log(`${audits.length - failed} of ${audits.length} checks ok`);
process.exit(failed === 0 ? 0 : 1);
