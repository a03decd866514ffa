// Which folder of src/ may import which, from a table given as the rule's options (see eslint.config.js). Static
// imports, re-exports and `import("…")` with a literal path all count: the doors load the engine lazily.
import path from "node:path";

/** The layer of a file under the source root: its folder, a probe family as `probes/<family>`, a top file by name. */
function layerOf(rel) {
  const parts = rel.split(path.sep);
  if (parts.length === 1) return path.basename(parts[0], path.extname(parts[0]));
  if (parts[0] === "probes" && parts.length > 2) return `probes/${parts[1]}`;
  return parts[0];
}

/** The text of a string literal or of a template literal without substitutions; undefined for anything else. */
const literalOf = (node) =>
  node.type === "Literal"
    ? node.value
    : node.type === "TemplateLiteral" && node.expressions.length === 0
      ? node.quasis[0].value.cooked
      : undefined;

/** A layer's entry in the table: its own name, or `probes/*` for any probe family. */
const entryOf = (layer) => (layer.startsWith("probes/") ? "probes/*" : layer);

export const layers = {
  meta: {
    type: "problem",
    docs: { description: "Imports follow the layers of src/: the table in eslint.config.js" },
    schema: [
      {
        type: "object",
        properties: {
          root: { type: "string" },
          shared: { type: "array", items: { type: "string" } },
          layers: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
        },
        required: ["root", "shared", "layers"],
        additionalProperties: false,
      },
    ],
    messages: {
      forbidden: "{{from}} may not import {{to}}: {{from}} imports only {{allowed}}",
      unplaced: "{{layer}} is in no layer: give it a place in the table of eslint.config.js",
    },
  },
  create(context) {
    const { root, shared, layers: table } = context.options[0];
    const rootDir = path.resolve(context.cwd, root);
    const from = path.relative(rootDir, context.filename);
    if (from.startsWith("..") || path.isAbsolute(from)) return {};
    const fromLayer = layerOf(from);
    const allowedOf = (layer) => (shared.includes(layer) ? shared : table[entryOf(layer)]);

    const check = (node, source) => {
      if (typeof source !== "string" || !source.startsWith(".")) return;
      const to = path.relative(rootDir, path.resolve(path.dirname(context.filename), source));
      if (to.startsWith("..") || path.isAbsolute(to)) return;
      const toLayer = layerOf(to);
      if (toLayer === fromLayer || shared.includes(toLayer)) return;
      const allowed = allowedOf(fromLayer);
      if (!allowed) return context.report({ node, messageId: "unplaced", data: { layer: `${root}/${from}` } });
      if (!allowedOf(toLayer)) return context.report({ node, messageId: "unplaced", data: { layer: `${root}/${to}` } });
      if (allowed.includes("*") || allowed.includes(toLayer) || allowed.includes(entryOf(toLayer))) return;
      const name = (layer) => `${root}/${layer}`;
      context.report({
        node,
        messageId: "forbidden",
        data: {
          from: name(fromLayer),
          to: name(toLayer),
          allowed: allowed.length ? allowed.map(name).join(", ") : "itself",
        },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => check(node.source, literalOf(node.source)),
    };
  },
};
