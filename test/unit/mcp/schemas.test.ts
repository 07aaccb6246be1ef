import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputShapes, outputShapes, TOOL_NAMES } from '../../../src/mcp/schemas.js';
import { TOOLS } from '../../../src/mcp/register.js';

// The interface of issue 16: tool names, argument and result fields.
const TABLE = {
  run: { args: ['command', 'server', 'timeoutSeconds', 'sync', 'tty'], result: ['name', 'server', 'state', 'exitCode', 'stdout', 'stderr', 'truncated'] },
  start: { args: ['command', 'name', 'tty', 'server', 'sync'], result: ['name', 'server', 'state'] },
  jobs: { args: ['server'], result: ['jobs'] },
  output: { args: ['name', 'tailLines', 'sinceOffset'], result: ['stdout', 'stderr', 'truncated', 'nextOffset'] },
  wait: { args: ['name', 'pattern', 'timeoutSeconds'], result: ['name', 'state', 'exitCode', 'matched', 'line'] },
  send: { args: ['name', 'text', 'enter'], result: ['name', 'state'] },
  keys: { args: ['name', 'keys'], result: ['name', 'state'] },
  screen: { args: ['name', 'lines'], result: ['name', 'text'] },
  kill: { args: ['name'], result: ['name', 'state', 'exitCode'] },
  sync: { args: ['server'], result: ['engine', 'filesSent', 'bytesSent', 'seconds'] },
  get: { args: ['remote', 'to'], result: ['files', 'bytes', 'path'] },
} as const;

describe('the tool table', () => {
  it('every tool of the issue, registered in the same order as declared', () => {
    expect([...TOOL_NAMES].sort()).toEqual(Object.keys(TABLE).sort());
    expect(TOOLS.map((t) => t.name)).toEqual(TOOL_NAMES);
  });
  it.each(Object.entries(TABLE))('%s has the issue\'s argument and result fields', (name, { args, result }) => {
    const tool = name as keyof typeof TABLE;
    expect(Object.keys(inputShapes[tool])).toEqual(expect.arrayContaining([...args]));
    expect(Object.keys(outputShapes[tool])).toEqual(expect.arrayContaining([...result]));
  });
});

describe('arguments', () => {
  const parse = <T extends keyof typeof inputShapes>(tool: T, args: unknown) => z.object(inputShapes[tool]).safeParse(args).success;
  it.each([
    ['run', { command: 'ls' }, true],
    ['run', { command: ['ls', '-l'] }, true],
    ['run', {}, false],
    ['run', { command: '' }, false],
    ['run', { command: [] }, false],
    ['run', { command: 'ls', timeoutSeconds: 0 }, false],
    ['run', { command: 'ls', timeoutSeconds: 2.5 }, true],
    ['wait', { name: 'j' }, false],
    ['wait', { name: 'j', timeoutSeconds: 5 }, true],
    ['output', { name: 'j', sinceOffset: -1 }, false],
    ['output', { name: 'j', sinceOffset: 10, sinceStderrOffset: 3 }, true],
    ['output', { name: 'j', tailLines: 1.5 }, false],
    ['keys', { name: 'j', keys: [] }, false],
    ['keys', { name: 'j', keys: ['C-c'] }, true],
    ['send', { name: 'j', text: '' }, true],
    ['get', { remote: 'out' }, true],
    ['get', {}, false],
  ] as const)('%s %j → %s', (tool, args, valid) => {
    expect(parse(tool, args)).toBe(valid);
  });
});
