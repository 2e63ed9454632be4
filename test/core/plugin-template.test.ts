// The plugin template as a user's project loads it: by package name, resolved from this workspace package's
// node_modules (where pnpm linked it), receiving real gateway events and routing a call.
import { resolve } from 'node:path';
import { createGateway, ofType } from '@cubebridge/core';
import { describe, expect, it } from 'vitest';
import { inMemoryPorts } from '../../core/test/doubles/InMemoryPorts.ts';
import { capturingLogger, waitFor } from '../../core/test/support.ts';

describe('cubebridge-plugin-template, loaded by package name', () => {
  it('routes a call by extension, counts its events and serves the counters', async () => {
    const ports = inMemoryPorts();
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      projectDir: resolve(import.meta.dirname, '..'),
      config: {
        http: { port: 0 },
        plugins: [
          { package: 'cubebridge-plugin-template', options: { extensions: { '200': ['42', '43'] } } },
        ],
      },
      ...ports,
    });
    await gateway.start();
    const ended: string[] = [];
    gateway.events$.pipe(ofType('call.ended')).subscribe((event) => ended.push(event.reason));

    const routed = ports.sip.receive('sip:100@pbx', 'sip:200@pbx');
    await waitFor(() => ports.platform.placed.length === 1);
    expect(ports.platform.placed[0]!.request.to).toEqual(['42', '43']);
    ports.platform.placed[0]!.leg.remote$.answers();
    await waitFor(() => routed.leg?.actions.includes('answer') === true);
    routed.leg!.remote$.hangsUp();

    const unrouted = ports.sip.receive('sip:100@pbx', 'sip:999@pbx');
    await waitFor(() => unrouted.rejected.length === 1);
    await waitFor(() => ended.length === 2);

    const stats = await (await fetch(`${gateway.http!.url}/template/stats`)).json();
    expect(stats).toEqual({
      created: 2,
      routed: 1,
      answered: 1,
      ended: 2,
      endedBy: { normal: 1, 'not-found': 1 },
    });
    await gateway.stop();
  });

  it('refuses bad options with the plugin name and the option path', async () => {
    const gateway = await createGateway({
      logger: capturingLogger().logger,
      projectDir: resolve(import.meta.dirname, '..'),
      config: {
        http: { enabled: false },
        plugins: [['cubebridge-plugin-template', { extensions: { abc: '1' } }]],
      },
    });
    await expect(gateway.start()).rejects.toThrow(
      "Plugin 'cubebridge-plugin-template': invalid options (package cubebridge-plugin-template):\n  - extensions.abc: extensions are digits, like 1001",
    );
  });
});
