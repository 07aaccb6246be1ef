import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolDef } from './call.js';
import type { ToolResult } from './results.js';
import { inputShapes, outputShapes, type ToolName } from './schemas.js';
import { getTool, syncTool } from './tools/transfer.js';
import { jobsTool, keysTool, killTool, screenTool, sendTool, waitTool } from './tools/job-tools.js';
import { outputTool } from './tools/output.js';
import { runTool } from './tools/run.js';
import { startTool } from './tools/start.js';

// The tools, in the order tools/list shows them, each with its schemas (schemas.ts).

/** The request's extras the handler uses: its progress token and a way to notify. */
export interface CallExtra {
  _meta?: { progressToken?: string | number };
  sendNotification(notification: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; message?: string } }): Promise<void>;
}

export type ToolHandler = (def: ToolDef<ToolName>, args: unknown, extra: CallExtra) => Promise<ToolResult>;

export const TOOLS = [runTool, startTool, jobsTool, outputTool, waitTool, sendTool, keysTool, screenTool, killTool, syncTool, getTool] as const;

export function registerTools(server: McpServer, handle: ToolHandler): void {
  for (const def of TOOLS) {
    const name = def.name as ToolName;
    server.registerTool(
      name,
      { description: def.description, inputSchema: inputShapes[name], outputSchema: outputShapes[name] },
      ((args: unknown, extra: CallExtra) => handle(def as unknown as ToolDef<ToolName>, args, extra)) as never,
    );
  }
}
