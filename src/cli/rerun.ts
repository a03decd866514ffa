/** A word as a POSIX shell reads it back: bare when it is safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A URL's password masked where it appears in a word (`redis://:s3cret@host` → `redis://:***@host`). */
function maskPassword(word: string): { word: string; masked: boolean } {
  const masked = word.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)[^/@\s]+@/i, "$1***@");
  return { word: masked, masked: masked !== word };
}

/**
 * The command that runs a diagnosis again with every answer given so far: the arguments it was started with,
 * minus earlier `--answer`s for the same questions, plus one `--answer` per answer; without the pasted logs to check
 * a fix (they show the system as it was). Passwords in URLs are masked.
 */
export function rerunCommand(
  args: readonly string[],
  answers: ReadonlyMap<string, string | null>,
  opts: { withoutEvidence?: boolean } = {},
): { command: string; masked: boolean } {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (opts.withoutEvidence && (arg === "--evidence" || arg.startsWith("--evidence="))) {
      if (arg === "--evidence") i++;
      continue;
    }
    const inline = arg.startsWith("--answer=") ? arg.slice("--answer=".length) : undefined;
    const value = inline ?? (arg === "--answer" ? args[i + 1] : undefined);
    if (value !== undefined && answers.has(value.split("=")[0]!)) {
      if (inline === undefined) i++;
      continue;
    }
    kept.push(arg);
  }
  for (const [id, value] of answers) kept.push("--answer", `${id}=${value ?? "unknown"}`);
  let masked = false;
  const words = kept.map((w) => {
    const m = maskPassword(w);
    masked ||= m.masked;
    return shellQuote(m.word);
  });
  return { command: ["npx", "sessiondoc", ...words].join(" "), masked };
}
