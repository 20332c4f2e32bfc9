/**
 * The event sources SOCless forwards: GuardDuty, Security Hub, the Config recorder and IAM Access Analyzer
 * enabled (and org-wide through a delegated administrator the hub trusts), and a CloudTrail trail logging
 * management events — CloudTrail API calls reach EventBridge only through one.
 */
import { ListAnalyzersCommand } from '@aws-sdk/client-accessanalyzer';
import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { GetDetectorCommand, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { DescribeHubCommand } from '@aws-sdk/client-securityhub';
import type { AggregatorSource } from '../../shared/config.ts';
import { type DoctorCheck, errorName } from './check.ts';
import { delegatedAdministrators } from './checks-deploy.ts';
import type { DoctorDeps } from './deps.ts';
import { fail, pass, warn } from './types.ts';

const where = (deps: DoctorDeps) => `${deps.caller.account}/${deps.config.homeRegion}`;

const guardDuty: DoctorCheck = {
  id: 'guardduty',
  phase: 'deploy',
  scope: 'any',
  actions: ['guardduty:ListDetectors', 'guardduty:GetDetector'],
  async run(deps) {
    const out = await deps.gates.guardduty.call(() => deps.clients.guardduty.send(new ListDetectorsCommand({})));
    const fix = `aws guardduty create-detector --enable --region ${deps.config.homeRegion} (or GuardDuty console > Get started > Enable GuardDuty)`;
    const [detectorId] = out.DetectorIds ?? [];
    if (!detectorId) return fail(this.id, `GuardDuty has no detector in ${where(deps)}`, fix);
    const detector = await deps.gates.guardduty.call(() =>
      deps.clients.guardduty.send(new GetDetectorCommand({ DetectorId: detectorId })),
    );
    if (detector.Status !== 'ENABLED') {
      return fail(
        this.id,
        `GuardDuty detector ${detectorId} in ${where(deps)} is ${detector.Status ?? 'not enabled'}`,
        `aws guardduty update-detector --detector-id ${detectorId} --enable --region ${deps.config.homeRegion}`,
      );
    }
    return pass(this.id, `GuardDuty detector ${detectorId} is enabled in ${where(deps)}`);
  },
};

const securityHub: DoctorCheck = {
  id: 'securityhub',
  phase: 'deploy',
  scope: 'any',
  actions: ['securityhub:DescribeHub'],
  async run(deps) {
    try {
      const out = await deps.gates.securityhub.call(() => deps.clients.securityhub.send(new DescribeHubCommand({})));
      return pass(this.id, `Security Hub is enabled in ${where(deps)} (${out.HubArn ?? 'hub'})`);
    } catch (err) {
      // Not subscribed: InvalidAccessException (or ResourceNotFoundException for a hub that was disabled).
      if (!['InvalidAccessException', 'ResourceNotFoundException'].includes(errorName(err))) throw err;
      return fail(
        this.id,
        `Security Hub is not enabled in ${where(deps)}`,
        `aws securityhub enable-security-hub --region ${deps.config.homeRegion} (or Security Hub console > Go to Security Hub > Enable)`,
      );
    }
  },
};

const configRecorder: DoctorCheck = {
  id: 'config-recorder',
  phase: 'deploy',
  scope: 'any',
  actions: ['config:DescribeConfigurationRecorderStatus'],
  async run(deps) {
    const out = await deps.gates.config.call(() =>
      deps.clients.config.send(new DescribeConfigurationRecorderStatusCommand({})),
    );
    const recorders = out.ConfigurationRecordersStatus ?? [];
    const recording = recorders.find((r) => r.recording);
    if (recording) return pass(this.id, `Config recorder ${recording.name ?? ''} is recording in ${where(deps)}`);
    return fail(
      this.id,
      recorders.length
        ? `Config recorder ${recorders.map((r) => r.name).join(', ')} in ${where(deps)} is not recording`
        : `no Config recorder in ${where(deps)}`,
      recorders.length
        ? `aws configservice start-configuration-recorder --configuration-recorder-name ${recorders[0]?.name} --region ${deps.config.homeRegion}`
        : 'AWS Config console > Get started (record all resources, deliver to an S3 bucket), then start recording',
    );
  },
};

const accessAnalyzer: DoctorCheck = {
  id: 'access-analyzer',
  phase: 'deploy',
  scope: 'any',
  actions: ['access-analyzer:ListAnalyzers'],
  async run(deps) {
    const out = await deps.gates.accessanalyzer.call(() =>
      deps.clients.accessanalyzer.send(new ListAnalyzersCommand({})),
    );
    const active = (out.analyzers ?? []).filter((a) => a.status === 'ACTIVE');
    const org = active.find((a) => a.type === 'ORGANIZATION');
    const fix = `aws accessanalyzer create-analyzer --analyzer-name socless-org --type ORGANIZATION --region ${deps.config.homeRegion} (from the management account or the Access Analyzer delegated administrator)`;
    if (org) return pass(this.id, `organization analyzer ${org.name} is active in ${where(deps)}`);
    if (active.length > 0) {
      return warn(
        this.id,
        `only account analyzers are active in ${where(deps)} (${active.map((a) => a.name).join(', ')}): findings cover this account only`,
        fix,
      );
    }
    return fail(this.id, `no active IAM Access Analyzer analyzer in ${where(deps)}`, fix);
  },
};

/** How each source is made org-wide: its delegated-administrator service principal and the command. */
const ORG_WIDE: ReadonlyArray<{ source: AggregatorSource; principal: string; name: string; register: string }> = [
  {
    source: 'guardduty',
    principal: 'guardduty.amazonaws.com',
    name: 'GuardDuty',
    register: 'aws guardduty enable-organization-admin-account --admin-account-id <security account id>',
  },
  {
    source: 'securityhub',
    principal: 'securityhub.amazonaws.com',
    name: 'Security Hub',
    register: 'aws securityhub enable-organization-admin-account --admin-account-id <security account id>',
  },
  {
    source: 'config',
    principal: 'config.amazonaws.com',
    name: 'AWS Config',
    register:
      'aws organizations register-delegated-administrator --service-principal config.amazonaws.com --account-id <security account id>',
  },
  {
    source: 'access-analyzer',
    principal: 'access-analyzer.amazonaws.com',
    name: 'IAM Access Analyzer',
    register:
      'aws organizations register-delegated-administrator --service-principal access-analyzer.amazonaws.com --account-id <security account id>',
  },
];

const orgWideChecks: DoctorCheck[] = ORG_WIDE.map(({ source, principal, name, register }) => ({
  id: `${source}-org-wide`,
  phase: 'deploy',
  scope: 'org',
  actions: ['organizations:ListDelegatedAdministrators'],
  async run(deps: DoctorDeps) {
    const admins = await delegatedAdministrators(deps, principal);
    if (admins.length === 0) {
      return warn(
        this.id,
        `${name} has no delegated administrator: it is not managed org-wide`,
        `from the management account: ${register}; then list that account in trustedAggregators.${source}`,
      );
    }
    const trusted = deps.config.trustedAggregators[source];
    const untrusted = admins.filter((a) => !trusted.includes(a));
    if (untrusted.length > 0) {
      return warn(
        this.id,
        `${name} is org-wide through ${admins.join(', ')}, but trustedAggregators.${source} does not list ${untrusted.join(', ')}: its findings about other accounts are rejected (account-mismatch)`,
        `add ${untrusted.map((a) => `"${a}"`).join(', ')} to "trustedAggregators": { "${source}": [...] } in cdk.json and redeploy SoclessHub`,
      );
    }
    return pass(this.id, `${name} is org-wide through delegated administrator ${admins.join(', ')} (trusted)`);
  },
}));

const cloudTrail: DoctorCheck = {
  id: 'cloudtrail',
  phase: 'deploy',
  scope: 'any',
  actions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
  async run(deps) {
    const out = await deps.gates.cloudtrail.call(() =>
      deps.clients.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
    );
    const fix =
      'aws cloudtrail create-trail --name socless-org-trail --s3-bucket-name <log bucket> --is-multi-region-trail --is-organization-trail && aws cloudtrail start-logging --name socless-org-trail (from the management account; or CloudTrail console > Trails > Create trail)';
    const trails = (out.trailList ?? []).filter((t) => t.TrailARN);
    const notLogging: string[] = [];
    const noManagement: string[] = [];
    for (const trail of trails) {
      const arn = trail.TrailARN as string;
      const status = await deps.gates.cloudtrail.call(() =>
        deps.clients.cloudtrail.send(new GetTrailStatusCommand({ Name: arn })),
      );
      if (!status.IsLogging) {
        notLogging.push(trail.Name ?? arn);
        continue;
      }
      const selectors = await deps.gates.cloudtrail.call(() =>
        deps.clients.cloudtrail.send(new GetEventSelectorsCommand({ TrailName: arn })),
      );
      const basic = (selectors.EventSelectors ?? []).some((s) => s.IncludeManagementEvents !== false);
      const advanced = (selectors.AdvancedEventSelectors ?? []).some((s) =>
        (s.FieldSelectors ?? []).some((f) => f.Field === 'eventCategory' && (f.Equals ?? []).includes('Management')),
      );
      if (!basic && !advanced) {
        noManagement.push(trail.Name ?? arn);
        continue;
      }
      const scope = trail.IsOrganizationTrail
        ? 'organization'
        : trail.IsMultiRegionTrail
          ? 'multi-region'
          : 'single-region';
      if (!trail.IsMultiRegionTrail) {
        return warn(
          this.id,
          `trail ${trail.Name} logs management events in ${trail.HomeRegion} only: API calls in other regions never reach the spokes' rules`,
          `aws cloudtrail update-trail --name ${trail.Name} --is-multi-region-trail`,
        );
      }
      return pass(this.id, `${scope} trail ${trail.Name} is logging management events`);
    }
    const seen = [
      ...notLogging.map((n) => `${n} (not logging)`),
      ...noManagement.map((n) => `${n} (no management events)`),
    ];
    return fail(
      this.id,
      `no trail logs management events in ${where(deps)}${seen.length ? `: ${seen.join(', ')}` : ''}; CloudTrail API calls reach EventBridge only through one`,
      notLogging.length && !noManagement.length ? `aws cloudtrail start-logging --name ${notLogging[0]}` : fix,
    );
  },
};

/** The event-source checks, in report order. */
export const SOURCE_CHECKS: readonly DoctorCheck[] = [
  guardDuty,
  securityHub,
  configRecorder,
  accessAnalyzer,
  ...orgWideChecks,
  cloudTrail,
];
