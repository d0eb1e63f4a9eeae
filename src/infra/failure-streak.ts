import { isDatabaseUnavailable } from './database-errors.js';
import type { Logger } from './logger.js';

// A background loop (job polling, outbox relay) that fails every few hundred
// milliseconds during an outage would bury the log. The first failure of a
// streak is logged (a warning when the database is unreachable, an error
// otherwise), the rest at debug, and the recovery once.

export class FailureStreak {
  private failures = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  get count() {
    return this.failures;
  }

  failed(error: unknown) {
    this.failures += 1;
    if (this.failures > 1) this.logger.debug({ err: error, failures: this.failures }, `${this.what} failed again`);
    else if (isDatabaseUnavailable(error)) this.logger.warn({ err: error }, `${this.what} failed: database unavailable; retrying`);
    else this.logger.error({ err: error }, `${this.what} failed; retrying`);
  }

  succeeded() {
    if (this.failures) this.logger.info({ failures: this.failures }, `${this.what} recovered`);
    this.failures = 0;
  }
}
