// Conferences: off when asked or when Janus is missing (and said so), an error for a broken explicit binary, and —
// when Janus is installed — the proxy's room handling spoken to directly: a string room is mapped and created on join.
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { JanusStartError, type SandboxLogger, startSandbox } from '../src/index.ts';

const janusInstalled = await access('/usr/bin/janus').then(
  () => true,
  () => false,
);

/** A logger that keeps what it is told, to check what the sandbox says about conferences. */
function recordingLogger(): SandboxLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (first: unknown, second?: unknown): void => {
    lines.push(typeof first === 'string' ? first : String(second));
  };
  return { lines, debug: keep, info: keep, warn: keep, error: keep } as SandboxLogger & { lines: string[] };
}

describe('conferences', () => {
  it('are off with janus: off, and the proxy path answers 404', async () => {
    const sandbox = await startSandbox({ janus: 'off' });
    try {
      expect(sandbox.conferenceEndpoint).toBeUndefined();
      expect(sandbox.sdkConfig()).not.toHaveProperty('conference');
      expect(sandbox.adminState().conferences).toBe('off');
      const socket = new WebSocket(`${sandbox.apiEndpoint.replace('http', 'ws')}/janus`, 'janus-protocol');
      const status = await new Promise<number | undefined>((resolve) => {
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode));
        socket.on('open', () => resolve(undefined));
        socket.on('error', () => undefined);
      });
      socket.terminate();
      expect(status).toBe(404);
    } finally {
      await sandbox.close();
    }
  });

  it('are off, with a clear warning, when janus is not installed', async () => {
    const logger = recordingLogger();
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const sandbox = await startSandbox({ janus: 'auto', logger });
      expect(sandbox.conferenceEndpoint).toBeUndefined();
      await sandbox.close();
    } finally {
      process.env.PATH = path;
    }
    expect(logger.lines).toContain('conferences are off: janus is not installed (Debian package `janus`)');
  });

  it('fail the start with JanusStartError when an explicit janus binary cannot run', async () => {
    await expect(startSandbox({ janus: '/nonexistent/janus' })).rejects.toBeInstanceOf(JanusStartError);
  });

  it.skipIf(!janusInstalled)(
    'map a string room to an integer and create it on the first join (stock Janus)',
    async () => {
      const sandbox = await startSandbox({ janus: 'auto' });
      const socket = new WebSocket(sandbox.conferenceEndpoint ?? '', 'janus-protocol');
      try {
        expect(socket.protocol === '' || socket.protocol === 'janus-protocol').toBe(true);
        const replies: Record<string, unknown>[] = [];
        socket.on('message', (data) => replies.push(JSON.parse(data.toString())));
        await new Promise((resolve, reject) => {
          socket.once('open', resolve);
          socket.once('error', reject);
        });
        let count = 0;
        const request = async (
          message: Record<string, unknown>,
          done: (reply: Record<string, unknown>) => boolean,
        ) => {
          const transaction = `t${++count}`;
          socket.send(JSON.stringify({ ...message, transaction }));
          await expect
            .poll(() => replies.some((r) => r.transaction === transaction && done(r)), { timeout: 15_000 })
            .toBe(true);
          return replies.find((r) => r.transaction === transaction && done(r)) as Record<string, unknown>;
        };
        const success = (r: Record<string, unknown>): boolean => r.janus === 'success';
        const sessionId = ((await request({ janus: 'create' }, success)).data as { id: number }).id;
        const handleId = (
          (
            await request(
              { janus: 'attach', session_id: sessionId, plugin: 'janus.plugin.videoroom' },
              success,
            )
          ).data as { id: number }
        ).id;
        const joined = await request(
          {
            janus: 'message',
            session_id: sessionId,
            handle_id: handleId,
            body: {
              request: 'join',
              room: '65a1b2c3d4e5f60718293a4b',
              ptype: 'publisher',
              id: 1001,
              display: 'Alice',
            },
          },
          (r) => r.janus === 'event',
        );
        const data = (joined.plugindata as { data: { videoroom: string; room: number; id: number } }).data;
        expect(data).toMatchObject({ videoroom: 'joined', id: 1001 });
        expect(Number.isInteger(data.room)).toBe(true);
        // The proxy's own `create` never reaches the client.
        expect(replies.filter((r) => String(r.transaction).startsWith('cubebridge-proxy-'))).toEqual([]);
        const listed = await request(
          {
            janus: 'message',
            session_id: sessionId,
            handle_id: handleId,
            body: { request: 'listparticipants', room: '65a1b2c3d4e5f60718293a4b' },
          },
          success,
        );
        expect(
          (listed.plugindata as { data: { participants: { id: number }[] } }).data.participants.map(
            (p) => p.id,
          ),
        ).toEqual([1001]);
      } finally {
        socket.terminate();
        await sandbox.close();
      }
    },
  );
});
