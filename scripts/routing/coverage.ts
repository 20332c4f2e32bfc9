/**
 * What the hub does with everything the spokes forward: per forwarded kind (spoke/forwarded-events.ts), each finding
 * type, control, Config rule or API call the project knows of, plus one it does not, is sampled, normalized and
 * routed exactly as the endpoint would. Each gets its response (a remediation, a triage playbook, the fallback
 * `triage-notify`, or the lifecycle handler for "it is over" signals); anything left without one is listed as
 * unhandled, which must be empty.
 */
import { remediationsFor } from '../../hub/remediations/index.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { isOverSignal } from '../../shared/pipeline/lifecycle.ts';
import type { Router } from '../../shared/pipeline/router.ts';
import type { Remediation } from '../../shared/remediation/types.ts';
import { FORWARDED_EVENTS } from '../../spoke/forwarded-events.ts';
import {
  accessAnalyzerSample,
  apiSource,
  cloudTrailSample,
  configSample,
  guardDutySample,
  securityHubAsffSample,
  securityHubOcsfSample,
} from './samples.ts';

type Json = Record<string, unknown>;

/** One sampled finding: which forwarded rule carries it and what it is. */
export interface CoverageCase {
  /** The forwarded event kind's id (`SecurityHubFindingsAsff`, `RiskyApiCalls`...). */
  readonly forwarded: string;
  /** What the sample is: `control S3.8`, `type Policy:S3/...`, `rule restricted-ssh`, `api PutBucketAcl (public grant)`. */
  readonly item: string;
  readonly event: Json;
}

/** Where one sample went. */
export interface CoverageRow {
  readonly forwarded: string;
  readonly item: string;
  /** The playbooks it starts (empty for lifecycle signals and for unhandled ones). */
  readonly playbooks: readonly string[];
  /** The remediation remediate-finding runs for it. */
  readonly remediation?: string;
  /** The source's "it is over" signal, handled by the lifecycle (resolved-by-source), not by a playbook. */
  readonly lifecycle?: boolean;
  /** The response in words. */
  readonly response: string;
}

export interface CoverageReport {
  readonly rows: readonly CoverageRow[];
  /** Forwarded but without a response: must be empty. */
  readonly unhandled: readonly CoverageRow[];
}

/** Samples known to no specific playbook, to prove the fallback catches what nobody listed. */
const UNLISTED = {
  control: 'Account.1',
  guardDutyType: 'Recon:EC2/PortProbeUnprotectedPort',
  configRule: 's3-bucket-versioning-enabled',
};

/** A concrete value that an EventBridge pattern matches (the first listed value, a name for `exists`). */
function concrete(pattern: unknown): unknown {
  if (Array.isArray(pattern)) {
    const [first] = pattern;
    if (first !== null && typeof first === 'object') return 'coverage-sample';
    return first;
  }
  if (pattern !== null && typeof pattern === 'object') {
    return Object.fromEntries(Object.entries(pattern).map(([k, v]) => [k, concrete(v)]));
  }
  return pattern;
}

/** The samples for every forwarded kind: everything the registry answers, one unlisted finding, an end signal. */
export function coverageCases(registry: readonly Remediation[], riskyApiNames: readonly string[]): CoverageCase[] {
  const controls = [...new Set(registry.flatMap((r) => r.findings.securityHubControls ?? [])), UNLISTED.control];
  const types = [...new Set(registry.flatMap((r) => r.findings.guardDutyTypes ?? [])), UNLISTED.guardDutyType];
  const rules = [...new Set(registry.flatMap((r) => r.findings.configRules ?? [])), UNLISTED.configRule];
  const sources: Record<string, string> = {};
  const conditioned = new Map<string, Json[]>();
  for (const r of registry) {
    const trail = r.findings.cloudTrail;
    if (!trail) continue;
    for (const name of trail.eventNames) sources[name] = trail.eventSource;
    for (const c of trail.conditions ?? []) {
      for (const name of c.eventNames) conditioned.set(name, [...(conditioned.get(name) ?? []), c.detail]);
    }
  }
  const apis = [...new Set([...riskyApiNames, ...Object.keys(sources)])].sort();
  const cases: CoverageCase[] = [];
  for (const definition of FORWARDED_EVENTS) {
    const add = (item: string, event: Json) => cases.push({ forwarded: definition.id, item, event });
    switch (definition.id) {
      case 'SecurityHubFindingsAsff':
        for (const c of controls) add(`control ${c}`, securityHubAsffSample(c));
        add(`control ${controls[0]} RESOLVED`, securityHubAsffSample(controls[0] as string, 'resolved'));
        break;
      case 'SecurityHubFindingsOcsf':
        for (const c of controls) add(`control ${c}`, securityHubOcsfSample(c));
        break;
      case 'GuardDutyFindings':
        for (const t of types) add(`type ${t}`, guardDutySample(t));
        break;
      case 'ConfigComplianceChanges':
        for (const r of rules) add(`rule ${r}`, configSample(r));
        add(`rule ${rules[0]} COMPLIANT`, configSample(rules[0] as string, 'COMPLIANT'));
        break;
      case 'RiskyApiCalls':
        for (const name of apis) {
          const source = apiSource(name, sources);
          const when = conditioned.get(name);
          if (!when) {
            add(`api ${name}`, cloudTrailSample(name, source));
            continue;
          }
          when.forEach((detail, i) => {
            const params = (concrete(detail) as { requestParameters?: Json }).requestParameters ?? {};
            add(`api ${name} (condition ${i + 1})`, cloudTrailSample(name, source, params));
          });
          add(`api ${name} (no condition met)`, cloudTrailSample(name, source, {}));
        }
        break;
      case 'AccessAnalyzerFindings':
        add(
          'AWS::S3::Bucket public',
          accessAnalyzerSample('AWS::S3::Bucket', 'arn:aws:s3:::coverage-sample-bucket', true),
        );
        add(
          'AWS::S3::Bucket shared outside the zone of trust',
          accessAnalyzerSample('AWS::S3::Bucket', 'arn:aws:s3:::coverage-sample-bucket', false),
        );
        add(
          'AWS::IAM::Role shared outside the zone of trust',
          accessAnalyzerSample('AWS::IAM::Role', 'arn:aws:iam::111122223333:role/coverage-sample', false),
        );
        add(
          'AWS::S3::Bucket RESOLVED',
          accessAnalyzerSample('AWS::S3::Bucket', 'arn:aws:s3:::coverage-sample-bucket', true, 'RESOLVED'),
        );
        break;
      default:
        // A forwarded kind this report does not know how to sample is itself a gap.
        add(`(no sample for ${definition.id})`, {});
    }
  }
  return cases;
}

/** Routes each sample as the endpoint would and says what answers it. */
export function coverageReport(
  cases: readonly CoverageCase[],
  router: Router,
  registry: readonly Remediation[],
): CoverageReport {
  const rows = cases.map((c): CoverageRow => {
    const normalized = normalizeEvent(c.event);
    if (!normalized.ok) {
      return {
        forwarded: c.forwarded,
        item: c.item,
        playbooks: [],
        response: `(sample rejected: ${normalized.reason})`,
      };
    }
    const [event] = normalized.events;
    if (!event) return { forwarded: c.forwarded, item: c.item, playbooks: [], response: '(sample produced no event)' };
    if (isOverSignal(event.status)) {
      return {
        forwarded: c.forwarded,
        item: c.item,
        playbooks: [],
        lifecycle: true,
        response: 'lifecycle: closes the open investigation as resolved-by-source',
      };
    }
    const playbooks = router.route(c.event);
    const remediation = playbooks.includes('remediate-finding') ? remediationsFor(event, registry)[0]?.id : undefined;
    const response =
      playbooks.length === 0
        ? '(unhandled)'
        : playbooks
            .map((p) => (p === 'remediate-finding' ? `remediate-finding: ${remediation ?? '(none)'}` : p))
            .join(' + ');
    return { forwarded: c.forwarded, item: c.item, playbooks, ...(remediation ? { remediation } : {}), response };
  });
  return { rows, unhandled: rows.filter((r) => r.playbooks.length === 0 && !r.lifecycle) };
}

/** The text of `socless coverage`: one block per forwarded kind, then the unhandled list. */
export function coverageText(report: CoverageReport): string {
  const lines: string[] = [];
  let current = '';
  const width = Math.min(60, Math.max(...report.rows.map((r) => r.item.length)));
  for (const row of report.rows) {
    if (row.forwarded !== current) {
      current = row.forwarded;
      lines.push(`${lines.length > 0 ? '\n' : ''}${current}`);
    }
    lines.push(`  ${row.item.padEnd(width)}  ${row.response}`);
  }
  lines.push('');
  lines.push(
    report.unhandled.length === 0
      ? 'Forwarded but unhandled: none'
      : `Forwarded but unhandled (${report.unhandled.length}):\n${report.unhandled.map((r) => `  ${r.forwarded}: ${r.item} ${r.response}`).join('\n')}`,
  );
  return lines.join('\n');
}
