// The package's default export, as `cubebridge start` calls it with the config file's `media` section.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../test/harness/media/silentLogger.ts';
import createFromConfig, { MediaConfigError, WeriftRelay } from '../src/index.ts';

describe('media config section', () => {
  it('creates a relay from a valid section', async () => {
    const relay = createFromConfig({
      adapter: '@cubebridge/media-werift',
      bindAddress: '127.0.0.1',
      advertisedAddress: '192.0.2.10',
      rtpPorts: [49000, 49099],
      srtp: 'required',
      audioCodecs: ['PCMA', 'opus'],
    });
    expect(relay).toBeInstanceOf(WeriftRelay);
    expect(relay.options).toMatchObject({
      advertisedAddress: '192.0.2.10',
      rtpPorts: [49000, 49099],
      srtp: 'required',
      audioCodecs: ['PCMA', 'opus'],
    });
    const session = await relay.createSession({ callId: 'config', logger: silentLogger });
    const offer = await session.sip.createOffer();
    expect(offer).toContain('c=IN IP4 192.0.2.10');
    expect(offer).toMatch(/m=audio 490\d\d RTP\/SAVP 8 111 /);
    await relay.stop();
    expect(session.closed).toBe(true);
  });

  it.each([
    [{ rtpPorts: [20000] }, 'media.rtpPorts: must be a [low, high] port range (found: [20000])'],
    [
      { srtp: 'yes' },
      'media.srtp: Invalid option: expected one of "off"|"optional"|"required" (found: "yes")',
    ],
    [
      { audioCodecs: ['G729'] },
      'media.audioCodecs.0: Invalid option: expected one of "opus"|"G722"|"PCMU"|"PCMA" (found: "G729")',
    ],
    [{ rtpPort: 10000 }, 'media.rtpPort: unknown key — did you mean rtpPorts? (found: 10000)'],
    [
      { ptimeMs: '20' },
      'media.ptimeMs: must be a number, not a string: write 20 without quotes (found: "20")',
    ],
  ])('names the key, what was found and what is allowed: %j', (section, message) => {
    expect(() => createFromConfig(section)).toThrow(MediaConfigError);
    expect(() => createFromConfig(section)).toThrow(message);
  });
});
