/** save_to_vault: keeps content (evidence, a report, a large payload) in the S3 vault under the investigation. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';

export const SaveToVaultParameters = z.object({
  content: z.unknown().refine((v) => v !== undefined, 'is required'),
  /** File name under the investigation's folder. @default `<state>-<random id>` plus an extension */
  file_name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'may contain only letters, digits, ".", "_" and "-" (max 128)')
    .optional(),
});

export const saveToVault = defineIntegration({
  id: 'save_to_vault',
  references: ['socless.SaveToVault', 'socless.save_to_vault'],
  description: 'Saves content to the S3 vault under the investigation and returns its bucket and key.',
  parameters: SaveToVaultParameters,
  deployment: { tables: [], vault: 'rw', timeoutSeconds: 30 },
  async run(params, ctx) {
    const vault = ctx.deps.vault;
    if (!vault) throw new Error('save_to_vault: no vault configured');
    const isText = typeof params.content === 'string';
    const body = isText ? (params.content as string) : JSON.stringify(params.content);
    const name =
      params.file_name ??
      `${ctx.state.replace(/[^A-Za-z0-9._-]/g, '_')}-${(ctx.deps.newId ?? randomUUID)()}${isText ? '.txt' : '.json'}`;
    const ref = await vault.put(
      `investigations/${ctx.investigationId}/${name}`,
      body,
      isText ? 'text/plain; charset=utf-8' : 'application/json',
    );
    return { bucket: ref.bucket, key: ref.key, vault_ref: ref, bytes: Buffer.byteLength(body, 'utf8') };
  },
});
