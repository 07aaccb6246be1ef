import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Context } from '../context.js';
import { HostPool } from '../host/host-pool.js';
import type { McpOptions } from '../options.js';
import { loadProject } from '../commands/session.js';
import { defaultLogPath } from '../log.js';
import { VERSION } from '../version.js';
import { callContext, commandContext, type ToolCall } from './call.js';
import { mcpDefaults } from './requests.js';
import { toolError, toolResult } from './results.js';
import { registerTools, type ToolHandler } from './register.js';

// `mtr --mcp`: mtr's commands as MCP tools over stdio, for AI agents' clients. This module and the
// SDK load only on this path (cli.ts imports it lazily; the bundle puts them in their own chunk).
// One pooled connection per server for the server's life; calls run concurrently. Resolves with
// exit code 0 when the client closes stdin.
export async function runMcpServer(base: Context, options: McpOptions): Promise<number> {
  const pool = new HostPool();
  const ctx = commandContext(base, pool);
  const defaults = mcpDefaults(await fixLogFile(ctx, options));
  const server = new McpServer({ name: 'mtr', version: VERSION }, { capabilities: { tools: {} } });
  const handle: ToolHandler = async (def, args, extra) => {
    const token = extra._meta?.progressToken;
    let step = 0;
    const progress = (message: string) => {
      if (token === undefined) return;
      step += 1;
      extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, message } }).catch(() => undefined);
    };
    const call: ToolCall = { ctx: callContext(ctx, progress), defaults, progress };
    try {
      return toolResult(await def.handle(args as never, call));
    } catch (error) {
      return toolError(error, defaults.debug);
    }
  };
  registerTools(server, handle);
  const transport = new StdioServerTransport(base.stdin, base.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    base.stdin.once('end', () => resolve());
    base.stdin.once('close', () => resolve());
  });
  await server.connect(transport);
  base.stderr.write(`mtr: MCP server ready on stdio (mtr ${VERSION})\n`);
  await closed;
  pool.closeAll();
  await server.close().catch(() => undefined);
  return 0;
}

// --enable-log: one log file for the server's life (named at its start), not one per call.
async function fixLogFile(ctx: Context, options: McpOptions): Promise<McpOptions> {
  if (!options.enableLog || options.logFile) return options;
  const config = await loadProject(ctx);
  return { ...options, enableLog: false, logFile: defaultLogPath(config.projectRoot, new Date()) };
}
