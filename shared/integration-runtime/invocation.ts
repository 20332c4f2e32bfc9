/**
 * What an integration Lambda receives: the object the compiler renders into a Task's (or an Interaction's
 * Payload's) Parameters. See the playbook contract: `_socless` metadata, the state's `parameters`, and the
 * `context` (artifacts and results) only when a parameter holds a template the runtime must resolve.
 */
import { z } from 'zod';
import { jsonPath } from '../errors.ts';
import { IntegrationInvocationError } from './errors.ts';

export const SoclessMetaSchema = z.object({
  state: z.string().min(1),
  playbook: z.string().min(1),
  execution_id: z.string().min(1),
  investigation_id: z.string().min(1),
  /**
   * Optional: JSON paths (under `parameters`) the playbook wrote as templates. When present, only these are
   * template-resolved, so a value that reached `parameters` through a `.$` path is never templated.
   */
  templates: z.array(z.string()).optional(),
  /** `socless`: a SOCless-style playbook (socless_python parameter resolution, `{<State>: r, ...r}` result). */
  compat: z.literal('socless').optional(),
  /** The operation to run, for an integration that hosts several SOCless operations. */
  operation: z.string().min(1).optional(),
});

export const IntegrationInvocationSchema = z.object({
  _socless: SoclessMetaSchema,
  parameters: z.record(z.string(), z.unknown()).default({}),
  context: z
    .object({
      artifacts: z.record(z.string(), z.unknown()).default({}),
      results: z.record(z.string(), z.unknown()).default({}),
      errors: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  /** Present on an Interaction (`lambda:invoke.waitForTaskToken`): the token the answer is sent back with. */
  task_token: z.string().min(1).optional(),
});

/** One call of an integration Lambda by a playbook state. */
export type IntegrationInvocation = z.output<typeof IntegrationInvocationSchema>;
/** The same, as a caller writes it (defaults not yet applied). */
export type IntegrationInvocationInput = z.input<typeof IntegrationInvocationSchema>;

/** Validates an incoming event; throws IntegrationInvocationError naming the offending field. */
export function parseInvocation(integration: string, event: unknown): IntegrationInvocation {
  const parsed = IntegrationInvocationSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  const reasons = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new IntegrationInvocationError(integration, reasons.join('; '));
}
