import { fileURLToPath } from "node:url";
import { join } from "node:path";

// src/ and dist/ sit at the same depth, so the project root is one level above this module's folder.
const root = fileURLToPath(new URL("..", import.meta.url));

export function projectPath(...segments: string[]): string {
  return join(root, ...segments);
}
