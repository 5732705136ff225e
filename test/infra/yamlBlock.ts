/**
 * The few lines of a YAML file the infra tests rely on, read by indentation (no YAML parser among
 * the packages): the block under `a:` → `b:` → …, each key looked up at its block's own depth, so
 * `hooks:` of a service is not taken for the top-level `hooks:`.
 */
export function yamlBlock(text: string, path: readonly string[], file = 'azure.yaml'): string {
  let block = text;
  for (const key of path) {
    const lines = block.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
    const depth = Math.min(...lines.map((line) => line.search(/\S/)));
    const m = new RegExp(`^ {${depth}}${key}:[^\\n]*\\n`, 'm').exec(block);
    if (!m) throw new Error(`${file} has no ${path.join('.')}`);
    const rest = block.slice(m.index + m[0].length);
    const end = rest.split('\n').findIndex((line) => line.trim() !== '' && line.search(/\S/) <= depth);
    block = end === -1 ? rest : rest.split('\n').slice(0, end).join('\n');
  }
  return block;
}
