import { createHash } from 'node:crypto';

/**
 * A deterministic Step Functions execution name for (event, playbook): at most 80 characters of
 * [A-Za-z0-9_-], so a retry or a re-drive asks for the same name and Step Functions refuses a second start.
 */
export function executionName(eventId: string, playbook: string): string {
  const digest = createHash('sha256').update(`${playbook}\u0000${eventId}`).digest('hex').slice(0, 32);
  const prefix = playbook.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 46);
  return `${prefix}-${digest}`;
}
