// The `MediaRelay` port on werift: owns the RTP port range and the sessions, and closes them all on stop().

import type { AdapterContext, MediaRelay, MediaSessionOptions } from '@cubebridge/core';
import { MediaClosedError } from './errors.ts';
import { PortAllocator } from './rtp/PortAllocator.ts';
import { WeriftMediaSession } from './WeriftMediaSession.ts';
import { type ResolvedRelayOptions, resolveOptions, type WeriftRelayOptions } from './WeriftRelayOptions.ts';

export class WeriftRelay implements MediaRelay {
  readonly name = 'media-werift';
  readonly options: ResolvedRelayOptions;
  readonly #ports: PortAllocator;
  readonly #sessions = new Set<WeriftMediaSession>();
  #stopped = false;

  constructor(options: WeriftRelayOptions = {}) {
    this.options = resolveOptions(options);
    this.#ports = new PortAllocator(this.options.rtpPorts, this.options.bindAddress);
  }

  get sessions(): ReadonlySet<WeriftMediaSession> {
    return this.#sessions;
  }

  async start(context: AdapterContext): Promise<void> {
    this.#stopped = false;
    context.logger.info(
      { bind: this.options.bindAddress, rtpPorts: this.options.rtpPorts },
      'media relay started',
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#sessions].map((session) => session.close()));
  }

  async createSession(options: MediaSessionOptions): Promise<WeriftMediaSession> {
    if (this.#stopped) throw new MediaClosedError('media relay');
    const session = new WeriftMediaSession(options, this.options, this.#ports, (closed) =>
      this.#sessions.delete(closed),
    );
    this.#sessions.add(session);
    return session;
  }
}

/** Creates the relay for a gateway: `createGateway({ media: weriftRelay({ rtpPorts: [10000, 20000] }) })`. */
export function weriftRelay(options: WeriftRelayOptions = {}): WeriftRelay {
  return new WeriftRelay(options);
}
