// The SDK's own MCP client over stdio, spawning the built `mtr --mcp` in a test project (its env is
// the clean one of test/support/mtr.ts). Everything the server says on stderr is kept, and every
// message that is not MCP (a stray line on stdout) is recorded as an error.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cleanEnv, MTR_BIN, type Project } from './mtr.js';

export interface McpSession {
  client: Client;
  /** The server's stderr so far. */
  stderr(): string;
  /** Transport and protocol errors (a non-MCP line on stdout is one). */
  errors: Error[];
  /** The server process's id. */
  pid: number | undefined;
  close(): Promise<void>;
}

export type ToolAnswer = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
};

export async function connectMcp(project: Project, args: string[] = []): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MTR_BIN, '--mcp', ...args],
    cwd: project.root,
    env: cleanEnv(project.env),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'mtr-e2e', version: '0' });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    errors,
    pid: transport.pid ?? undefined,
    close: () => client.close(),
  };
}

/** A tool call with a timeout long enough for a sync and a job (the SDK's default is 60 s). */
export async function call(session: McpSession, name: string, args: Record<string, unknown>, options: { timeoutMs?: number; onprogress?: (p: { progress: number; message?: string }) => void } = {}): Promise<ToolAnswer> {
  const result = await session.client.callTool({ name, arguments: args }, undefined, {
    timeout: options.timeoutMs ?? 60_000,
    ...(options.onprogress ? { onprogress: options.onprogress } : {}),
  });
  return result as ToolAnswer;
}

/** The structured result of a call that must succeed; its text content must be the same JSON. */
export function ok(answer: ToolAnswer): Record<string, unknown> {
  const text = answer.content.find((c) => c.type === 'text')?.text ?? '';
  if (answer.isError) throw new Error(`tool failed: ${text}`);
  if (!answer.structuredContent) throw new Error(`no structuredContent: ${text}`);
  if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(answer.structuredContent)) throw new Error(`text differs from structuredContent: ${text}`);
  return answer.structuredContent;
}

/** The error text of a call that must fail. */
export function failed(answer: ToolAnswer): string {
  const text = answer.content.find((c) => c.type === 'text')?.text ?? '';
  if (!answer.isError) throw new Error(`expected an error, got ${text}`);
  return text;
}
