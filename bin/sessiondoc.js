#!/usr/bin/env node
// The CLI runs from the compiled output; `npm ci` builds it through the `prepare` script.
let main;
try {
  ({ main } = await import("../dist/main.js"));
} catch (err) {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/main.js")) {
    console.error("sessiondoc: not built yet — run `npm run build` (or `npm ci`) in the project folder first");
    process.exit(1);
  }
  throw err;
}
// A reader that went away (`| head`, `| jq` after an error) ends the program quietly, as other tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
process.exitCode = await main(process.argv);
// A command that has finished is over, even if an abandoned probe still holds a socket.
setTimeout(() => process.exit(), 200).unref();
