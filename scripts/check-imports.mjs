#!/usr/bin/env node
// Enforces the component rules of CONVENTIONS.md §1 and DESIGN.md's "dependencies point inward":
//  - code outside a component imports it only through its index.ts;
//  - domain imports nothing outside itself; lib imports only domain;
//  - no import cycles between components.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve, sep } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");
const problems = [];
const edges = new Map(); // component -> Set<component>

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const componentOf = (file) => relative(src, file).split(sep)[0];
const INWARD = { domain: new Set(["domain"]), lib: new Set(["lib", "domain"]) };

for (const file of walk(src)) {
  const from = componentOf(file);
  const text = readFileSync(file, "utf8");
  // A component's testing.ts is test support: it may use other components' testing.ts faces too.
  const isTest =
    file.endsWith(".test.ts") || relative(src, file).split(sep).slice(1).join("/") === "testing.ts";
  for (const m of text.matchAll(
    /(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
  )) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src + sep)) continue;
    const to = componentOf(target);
    if (to === from) continue;
    const rest = relative(join(src, to), target);
    // Test helpers of a component may be reached through its testing.ts face, from tests only.
    const allowed = rest === "index.js" || (isTest && rest === "testing.js");
    if (!allowed)
      problems.push(`${relative(root, file)}: imports ${spec} (inside ${to}/; use ${to}/index.js)`);
    if (INWARD[from] && !INWARD[from].has(to))
      problems.push(`${relative(root, file)}: ${from} must not import ${to}`);
    if (!isTest) {
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
    }
  }
}

// Cycle check between components (depth-first search).
const state = new Map();
function visit(node, path) {
  if (state.get(node) === "done") return;
  if (state.get(node) === "active") {
    problems.push(
      `import cycle between components: ${[...path.slice(path.indexOf(node)), node].join(" → ")}`,
    );
    return;
  }
  state.set(node, "active");
  for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
  state.set(node, "done");
}
for (const node of edges.keys()) visit(node, []);

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`imports ok (${edges.size} components)`);
