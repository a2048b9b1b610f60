import { Command, Option } from 'clipanion';
import { maskSecretLookingEnvironment, SecretMasker } from '../secrets.js';
import type { DwctlContext } from './context.js';
import type { ExitCode } from './exit-codes.js';
import { reportError } from './report-error.js';

/**
 * What every command shares: colour control, verbosity, the secret masker, and the one place where errors
 * become exit codes. (Not clipanion's `catch()`: a resolved catch() becomes exit 0.)
 */
export abstract class DwctlCommand extends Command<DwctlContext> {
  color = Option.Boolean('--color', { description: 'Colour the output (--no-color to disable; NO_COLOR is honoured)' });
  verbose = Option.Boolean('--verbose', false, { description: 'Log each PostHog request (method, path, status, time) to stderr' });

  /** Every secret this run learns; all output that could carry one goes through it. */
  readonly masker = new SecretMasker();

  protected abstract run(): Promise<ExitCode>;

  /** Whether the requested output is one JSON document (errors then also go to stdout as JSON). */
  protected wantsJson(): boolean {
    return false;
  }

  protected useColor(stream: 'stdout' | 'stderr' = 'stdout'): boolean {
    if (this.color === false) return false;
    if (this.context.env.NO_COLOR !== undefined && this.context.env.NO_COLOR !== '') return false;
    if (this.color === true) return true;
    const target = this.context[stream] as { isTTY?: boolean };
    return target.isTTY === true;
  }

  protected isVerbose(): boolean {
    return this.verbose || this.context.env.DWCTL_DEBUG === '1';
  }

  async execute(): Promise<number> {
    // Defence in depth: a CI secret echoed by a foreign message is hidden even when no reference names it.
    maskSecretLookingEnvironment(this.context.env, this.masker);
    try {
      return await this.run();
    } catch (error) {
      return reportError(error, this.context, { json: this.wantsJson(), verbose: this.isVerbose(), mask: (t) => this.masker.mask(t) });
    }
  }
}

/** A command that talks to PostHog: the connection flags (contract §2: flags beat environment and file). */
export abstract class RemoteCommand extends DwctlCommand {
  host = Option.String('--host', { description: 'PostHog host (overrides POSTHOG_HOST and the file)' });
  project = Option.String('--project', { description: 'PostHog project id (overrides POSTHOG_PROJECT_ID and the file)' });
  requestTimeout = Option.String('--request-timeout', {
    description: 'Seconds to wait for each PostHog answer before giving up (default 30; overrides DWCTL_REQUEST_TIMEOUT)',
  });
}
