// Types of serve-browser.mjs, for the tests and bench that start its server.
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}
export function startServer(opts: { routes: Record<string, string>; isolation?: boolean; port?: number; host?: string; log?: boolean }): Promise<RunningServer>;
export function demoRoutes(models?: string): Record<string, string>;
