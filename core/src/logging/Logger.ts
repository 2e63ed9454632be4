// The logger every component gets: pino, one child per component (`sip`, `media`, `platform`, `plugin:<name>`).
import type { Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
