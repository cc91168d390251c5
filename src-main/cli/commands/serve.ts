// `distillery serve`: the workbench over HTTP for headless boxes.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { numberArg } from '../schema-options.js';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the workbench UI over HTTP (for headless GPU boxes; open the printed URL in a browser)')
    .option('--host <address>', 'address to bind; anything but loopback exposes your runs to the network', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', numberArg('--port', true), 7860)
    .option('--token <token>', 'access token (default: a new random one)')
    .action(async (o) => {
      const { startServer, rendererMissing } = await import('../../serve/server.js');
      const { ensureRendererBuilt, RENDERER_DIR } = await import('../../serve/renderer-build.js');
      if (rendererMissing(RENDERER_DIR)) await ensureRendererBuilt((m) => process.stderr.write(m + '\n'));
      if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
        process.stderr.write(`warning: binding to ${o.host}: anyone who can reach this address and has the token can see and start runs. Prefer an SSH tunnel to 127.0.0.1.\n`);
      }
      const svc = ctx.service();
      const server = await startServer(svc, { host: o.host, port: o.port, token: o.token, staticDir: RENDERER_DIR });
      ctx.print(`Distillery is serving ${svc.dataDir}\nOpen ${server.url}\n(Ctrl-C to stop; running jobs are cancelled)`, { url: server.url, port: server.port, token: server.token, dataDir: svc.dataDir });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      svc.runner.cancelAll();
      await Promise.race([new Promise((r) => setTimeout(r, 3000)), new Promise<void>((r) => svc.runner.runningIds.length === 0 ? r() : svc.runner.on('finished', () => svc.runner.runningIds.length === 0 && r()))]);
      svc.runner.killAll();
      await server.close();
      svc.close();
    });

}
