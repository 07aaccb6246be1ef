import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { YAMLError } from 'yaml';
import { ConfigError } from '../errors.js';
import { formatExcerpt, sanitizeMessage } from '../util/excerpt.js';

export type ConfigPath = readonly (string | number)[];

export interface ParsedYaml {
  data: unknown;
  /** Line (1-based) where the value at `path` is written; the nearest written ancestor when it is absent. */
  lineOf(path: ConfigPath): number | undefined;
}

/** A broken file yields an error per token; the first few locate the problem. */
const MAX_YAML_ERRORS = 5;

// Keeps the document so every validation message can point at a line.
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const shown = doc.errors.slice(0, MAX_YAML_ERRORS).map((error) => formatYamlError(error, lineCounter, file));
    const more = doc.errors.length - shown.length;
    throw new ConfigError(more > 0 ? [...shown, `${file}: … and ${more} more YAML errors`] : shown);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError([`${file}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return { data, lineOf: (path) => findLine(doc, path, lineCounter) };
}

/** `file:line: ` or `file: ` when the line is unknown. */
export function formatLocation(file: string, line: number | undefined): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/** `servers.gpu.exclude[2]`; names that are not plain words are quoted: `servers["a.b"]`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]{1,40}$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${formatExcerpt(segment)}]`;
  }
  return text;
}

function formatYamlError(error: YAMLError, lineCounter: LineCounter, file: string): string {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  // The parser quotes the offending source text: one short line of it at most.
  const message =
    error.code === 'MULTIPLE_DOCS' ? 'only one YAML document is allowed (remove the extra "---")' : sanitizeMessage(error.message.split('\n')[0] ?? '', 100, 1);
  return `${file}:${line}:${col}: ${message}`;
}

function findLine(doc: Document, path: ConfigPath, lineCounter: LineCounter): number | undefined {
  const lineOfNode = (node: unknown): number | undefined =>
    isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  let node: unknown = doc.contents;
  let line = lineOfNode(node);
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      line = lineOfNode(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      line = lineOfNode(item) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}
