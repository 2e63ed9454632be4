// Conferences for the sandbox: a stock Janus process plus the proxy in front of it, started and stopped together;
// or nothing, clearly logged, when Janus is not installed or turned off.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JanusOption, SandboxLogger } from '../SandboxTypes.ts';
import { findJanusBinary, JanusProcess } from './JanusProcess.ts';
import { JanusProxy } from './JanusProxy.ts';

export class Conference {
  readonly #janus: JanusProcess;
  readonly #proxy: JanusProxy;

  private constructor(janus: JanusProcess, proxy: JanusProxy) {
    this.#janus = janus;
    this.#proxy = proxy;
  }

  /**
   * `off`: no conferences. `auto`: Janus from PATH if installed and it starts, else none (with a warning).
   * A path: that binary, and failing to start it is an error (`JanusStartError`).
   */
  static async start(
    option: JanusOption,
    iceInterfaces: string | undefined,
    logger: SandboxLogger,
  ): Promise<Conference | undefined> {
    if (option === 'off') {
      logger.info('conferences are off (janus: off)');
      return undefined;
    }
    const binary = option === 'auto' ? await findJanusBinary() : option;
    if (binary === undefined) {
      logger.warn('conferences are off: janus is not installed (Debian package `janus`)');
      return undefined;
    }
    try {
      const janus = await JanusProcess.start({ binary, logger, ...(iceInterfaces ? { iceInterfaces } : {}) });
      return new Conference(janus, new JanusProxy(janus.url, logger));
    } catch (error) {
      if (option !== 'auto') throw error;
      logger.warn({ err: error }, 'conferences are off: janus did not start');
      return undefined;
    }
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#proxy.handleUpgrade(request, socket, head);
  }

  /** The proxy first (no client reaches a dying Janus), then Janus. */
  async close(): Promise<void> {
    await this.#proxy.close();
    await this.#janus.close();
  }
}
