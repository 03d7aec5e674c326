/**
 * Dependencies between the folders of src/ point one way: fails when folders import each other in a circle
 * (directly, or through others), naming the folders and an import of each edge. `npm run lint` runs it.
 */
import madge from "madge";

const result = await madge("src", { fileExtensions: ["ts"], tsConfig: "tsconfig.json" });
const folderOf = (file: string): string => (file.includes("/") ? (file.split("/")[0] as string) : "(root)");

/** folder → folder it imports → one file import that makes the edge */
const edges = new Map<string, Map<string, string>>();
for (const [file, imports] of Object.entries(result.obj())) {
  for (const imported of imports) {
    const [from, to] = [folderOf(file), folderOf(imported)];
    if (from === to || imported.startsWith("..")) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from)?.set(to, edges.get(from)?.get(to) ?? `${file} → ${imported}`);
  }
}

/** Tarjan's strongly connected components: every component of more than one folder is a cycle. */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (folder: string): void => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder) as number);
    stack.push(folder);
    for (const next of edges.get(folder)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(folder, Math.min(low.get(folder) as number, low.get(next) as number));
      } else if (stack.includes(next)) low.set(folder, Math.min(low.get(folder) as number, index.get(next) as number));
    }
    if (low.get(folder) !== index.get(folder)) return;
    const component: string[] = [];
    for (let top = stack.pop(); top !== undefined; top = top === folder ? undefined : stack.pop()) component.push(top);
    if (component.length > 1) found.push(component.sort());
  };
  for (const folder of edges.keys()) if (!index.has(folder)) visit(folder);
  return found;
}

const found = cycles();
if (found.length === 0) {
  console.log(`No import cycle between the ${edges.size} folders of src/.`);
} else {
  for (const component of found) {
    console.error(`Folders that import each other in a circle: ${component.join(", ")}`);
    for (const from of component) {
      for (const [to, example] of edges.get(from) ?? []) if (component.includes(to)) console.error(`  ${example}`);
    }
  }
  process.exit(1);
}
