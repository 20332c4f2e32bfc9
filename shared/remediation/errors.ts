/** Typed errors of the remediation kit; Step Functions matches Retry/Catch on these names. */
import { SoclessError } from '../errors.ts';

/** AssumeRole was denied: the account has not opted in (no role when its mode is `off`) or has no spoke. */
export class RemediationNotOptedInError extends SoclessError {
  readonly account: string;
  readonly roleArn: string;
  constructor(account: string, roleArn: string, options?: { cause?: unknown }) {
    super(
      `account ${account}: cannot assume ${roleArn} (AccessDenied): the account has not opted in to remediation or has no spoke`,
      options,
    );
    this.account = account;
    this.roleArn = roleArn;
  }
}

/** STS kept throttling after the retries. */
export class SpokeThrottledError extends SoclessError {
  readonly account: string;
  readonly attempts: number;
  constructor(account: string, attempts: number, options?: { cause?: unknown }) {
    super(`account ${account}: AssumeRole throttled ${attempts} time(s); try again later`, options);
    this.account = account;
    this.attempts = attempts;
  }
}

/** AssumeRole failed for another reason (bad external id, expired hub credentials, network). */
export class SpokeSessionError extends SoclessError {
  readonly account: string;
  constructor(account: string, reason: string, options?: { cause?: unknown }) {
    super(`account ${account}: cannot open a remediation session: ${reason}`, options);
    this.account = account;
  }
}

/** A call the remediation made in the spoke failed (its own API error). */
export class RemediationApiError extends SoclessError {
  readonly remediation: string;
  readonly call: string;
  /** The AWS error code, e.g. `AccessDenied`, `InvalidGroup.NotFound`. */
  readonly code: string;
  constructor(remediation: string, call: string, code: string, message: string, options?: { cause?: unknown }) {
    super(`remediation ${remediation}: ${call} failed: ${code}: ${message}`, options);
    this.remediation = remediation;
    this.call = call;
    this.code = code;
  }
}

/** The finding does not name what the remediation needs (a bucket, a group id...). */
export class RemediationTargetError extends SoclessError {
  readonly remediation: string;
  /** The event field that was missing or unusable, e.g. `resources[0].id`. */
  readonly field: string;
  constructor(remediation: string, field: string, reason: string) {
    super(`remediation ${remediation}: event field ${field} ${reason}`);
    this.remediation = remediation;
    this.field = field;
  }
}

/** No remediation answers the finding, or the id named does not exist. */
export class UnknownRemediationError extends SoclessError {
  constructor(message: string) {
    super(message);
  }
}

/** `undo` is impossible: no record, nothing applied, or the remediation cannot reverse its change. */
export class RemediationUndoError extends SoclessError {
  constructor(message: string) {
    super(message);
  }
}
