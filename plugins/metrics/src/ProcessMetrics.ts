// The few process figures an operator alerts on (the seed's CPU > 80 %, memory > 85 %), measured at scrape
// time. Our own instead of prom-client's default collectors: those enable an event-loop monitor that is never
// disabled, and a plugin that stops must leave nothing running.
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

export class ProcessMetrics {
  readonly #loopDelay: ELDHistogram;

  constructor(name: (suffix: string) => string, registry: Registry) {
    const registers = [registry];
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    this.#loopDelay = loopDelay;
    const startedAt = Math.round(Date.now() / 1000 - process.uptime());
    new Counter({
      name: name('process_cpu_seconds_total'),
      help: 'CPU time (user and system) the gateway process used.',
      registers,
      collect() {
        const { user, system } = process.cpuUsage();
        this.reset();
        this.inc((user + system) / 1e6);
      },
    });
    new Gauge({
      name: name('process_resident_memory_bytes'),
      help: 'Resident set size of the gateway process.',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Gauge({
      name: name('process_heap_used_bytes'),
      help: 'V8 heap in use.',
      registers,
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
    new Gauge({
      name: name('process_start_time_seconds'),
      help: 'When the gateway process started, in seconds since the epoch.',
      registers,
      collect() {
        this.set(startedAt);
      },
    });
    new Gauge({
      name: name('event_loop_delay_seconds'),
      help: 'Event-loop delay since the previous scrape: the 50th and 99th percentiles and the maximum.',
      labelNames: ['quantile'],
      registers,
      collect() {
        this.set({ quantile: '0.5' }, loopDelay.percentile(50) / 1e9);
        this.set({ quantile: '0.99' }, loopDelay.percentile(99) / 1e9);
        this.set({ quantile: 'max' }, loopDelay.max / 1e9);
        loopDelay.reset();
      },
    });
  }

  close(): void {
    this.#loopDelay.disable();
  }
}
