import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../paths.js";
import { bringUp, loadScenarios } from "./scenario.js";

// `npm run lab -- list | up <scenario> | down <scenario>|--all`: the lab as a demo a new user can run by hand.
const STATE_DIR = projectPath(".lab");

type State = { id: string; pids: number[]; dirs: string[]; command: string };

function statePath(id: string) {
  return join(STATE_DIR, `${id}.json`);
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function stop(state: State): void {
  for (const pid of state.pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const dir of state.dirs) rmSync(dir, { recursive: true, force: true });
  rmSync(statePath(state.id), { force: true });
}

async function main(argv: string[]): Promise<number> {
  const [verb, name] = argv;
  const scenarios = loadScenarios();
  const names = scenarios.map((s) => s.id).join(", ");
  if (verb === "list" || verb === undefined) {
    for (const s of scenarios)
      process.stdout.write(
        `${s.id.padEnd(26)} expect ${s.expect.padEnd(18)} ${s.title}${existsSync(statePath(s.id)) ? "  [up]" : ""}\n`,
      );
    return 0;
  }
  if (verb === "down") {
    const ids = name === "--all" ? scenarios.map((s) => s.id).filter((id) => existsSync(statePath(id))) : [name];
    for (const id of ids) {
      if (!id || !existsSync(statePath(id))) {
        process.stderr.write(
          `lab: "${id ?? ""}" is not up (up: ${
            scenarios
              .filter((s) => existsSync(statePath(s.id)))
              .map((s) => s.id)
              .join(", ") || "none"
          })\n`,
        );
        return 2;
      }
      stop(JSON.parse(readFileSync(statePath(id), "utf8")) as State);
      process.stdout.write(`${id} is down\n`);
    }
    return 0;
  }
  if (verb === "up") {
    const scenario = scenarios.find((s) => s.id === name);
    if (!scenario) {
      process.stderr.write(`lab: no scenario "${name ?? ""}" (scenarios: ${names})\n`);
      return 2;
    }
    if (existsSync(statePath(scenario.id))) {
      process.stderr.write(`lab: ${scenario.id} is already up; run \`npm run lab -- down ${scenario.id}\` first\n`);
      return 2;
    }
    mkdirSync(STATE_DIR, { recursive: true });
    const lab = await bringUp(scenario, { workDir: STATE_DIR, detached: true });
    const command = `npx sessiondoc diagnose ${lab.args.map(quote).join(" ")}`;
    const state: State = {
      id: scenario.id,
      pids: lab.parts.map((p) => p.pid),
      dirs: lab.parts.flatMap((p) => (p.dir ? [p.dir] : [])),
      command,
    };
    writeFileSync(statePath(scenario.id), JSON.stringify(state, null, 2));
    process.stdout.write(
      `${scenario.id} is up: ${scenario.title}\nexpected diagnosis: ${scenario.expect}\n\nDiagnose it with:\n\n  ${command}\n\nStop it with:  npm run lab -- down ${scenario.id}\n`,
    );
    return 0;
  }
  process.stderr.write(`lab: usage: npm run lab -- list | up <scenario> | down <scenario>|--all\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
