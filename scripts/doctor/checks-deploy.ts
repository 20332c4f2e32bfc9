/**
 * Prerequisites of a first deploy: CDK bootstrap in the hub account, Organizations and StackSets set up for the
 * rollout, the target OUs and the hub account where config says, the configured regions enabled.
 */
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { type DoctorCheck, errorName } from './check.ts';
import type { DoctorDeps } from './deps.ts';
import { type CheckResult, fail, pass, warn } from './types.ts';

/** The service principal StackSets uses for Organizations trusted access and delegated administration. */
export const STACKSETS_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';
/** The default bootstrap qualifier (`cdk bootstrap` without `--qualifier`). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';
/**
 * The bootstrap version the app's stacks require: the DefaultStackSynthesizer's `CheckBootstrapVersion` rule
 * (aws-cdk-lib 2.x, MIN_BOOTSTRAP_STACK_VERSION) refuses a deploy into an environment below it.
 */
export const MIN_BOOTSTRAP_VERSION = 6;

/** Memoized organization description (several checks read it; one call). */
const organizations = new WeakMap<DoctorDeps, Promise<{ id?: string; managementAccount?: string }>>();
export function describeOrganization(deps: DoctorDeps): Promise<{ id?: string; managementAccount?: string }> {
  let found = organizations.get(deps);
  if (!found) {
    found = deps.gates.organizations
      .call(() => deps.clients.organizations.send(new DescribeOrganizationCommand({})))
      .then((out) => ({
        ...(out.Organization?.Id ? { id: out.Organization.Id } : {}),
        ...(out.Organization?.MasterAccountId ? { managementAccount: out.Organization.MasterAccountId } : {}),
      }));
    organizations.set(deps, found);
  }
  return found;
}

/** Delegated administrators registered for a service principal (every page). */
export async function delegatedAdministrators(deps: DoctorDeps, servicePrincipal: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await deps.gates.organizations.call(() =>
      deps.clients.organizations.send(
        new ListDelegatedAdministratorsCommand({ ServicePrincipal: servicePrincipal, NextToken: token }),
      ),
    );
    for (const admin of page.DelegatedAdministrators ?? []) if (admin.Id) ids.push(admin.Id);
    token = page.NextToken;
  } while (token);
  return ids;
}

const cdkBootstrap: DoctorCheck = {
  id: 'cdk-bootstrap',
  phase: 'deploy',
  scope: 'hub',
  actions: ['ssm:GetParameter'],
  async run(deps) {
    const { config } = deps;
    const where = `${config.hubAccountId}/${config.homeRegion}`;
    const name = `/cdk-bootstrap/${DEFAULT_BOOTSTRAP_QUALIFIER}/version`;
    const fix = `npx cdk bootstrap aws://${config.hubAccountId}/${config.homeRegion}${deps.profile ? ` --profile ${deps.profile}` : ''}`;
    try {
      const out = await deps.gates.ssm.call(() => deps.clients.ssm.send(new GetParameterCommand({ Name: name })));
      const version = Number(out.Parameter?.Value);
      if (!Number.isInteger(version)) return fail(this.id, `${name} in ${where} holds "${out.Parameter?.Value}"`, fix);
      if (version < MIN_BOOTSTRAP_VERSION) {
        return fail(
          this.id,
          `CDK bootstrap version ${version} in ${where}; the app needs ${MIN_BOOTSTRAP_VERSION}+`,
          fix,
        );
      }
      return pass(this.id, `CDK bootstrap version ${version} in ${where} (the app needs ${MIN_BOOTSTRAP_VERSION}+)`);
    } catch (err) {
      if (errorName(err) !== 'ParameterNotFound') throw err;
      return fail(this.id, `${where} is not bootstrapped for CDK (no SSM parameter ${name})`, fix);
    }
  },
};

const stackSetsTrustedAccess: DoctorCheck = {
  id: 'stacksets-trusted-access',
  phase: 'deploy',
  scope: 'org',
  actions: ['organizations:ListAWSServiceAccessForOrganization'],
  async run(deps) {
    const enabled: string[] = [];
    let token: string | undefined;
    do {
      const page = await deps.gates.organizations.call(() =>
        deps.clients.organizations.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: token })),
      );
      for (const s of page.EnabledServicePrincipals ?? []) if (s.ServicePrincipal) enabled.push(s.ServicePrincipal);
      token = page.NextToken;
    } while (token);
    if (enabled.includes(STACKSETS_PRINCIPAL)) {
      return pass(this.id, 'trusted access for CloudFormation StackSets is activated in Organizations');
    }
    return fail(
      this.id,
      'trusted access for CloudFormation StackSets is not activated: service-managed StackSets cannot deploy',
      `in the management account: aws organizations enable-aws-service-access --service-principal ${STACKSETS_PRINCIPAL} (or CloudFormation console > StackSets > Activate trusted access)`,
    );
  },
};

const stackSetsCaller: DoctorCheck = {
  id: 'stacksets-caller',
  phase: 'deploy',
  scope: 'org',
  actions: ['organizations:DescribeOrganization', 'organizations:ListDelegatedAdministrators'],
  async run(deps) {
    const { managementAccount } = await describeOrganization(deps);
    const account = deps.rolloutAccount;
    const callAs = deps.config.rollout.callAs;
    if (account === managementAccount) {
      if (callAs === 'SELF')
        return pass(this.id, `the rollout deployer ${account} is the management account (callAs SELF)`);
      return fail(
        this.id,
        `the rollout deployer ${account} is the management account but rollout.callAs is DELEGATED_ADMIN`,
        'set "rollout": { "callAs": "SELF" } in cdk.json, or deploy SoclessOrgRollout from the registered delegated administrator',
      );
    }
    const admins = await delegatedAdministrators(deps, STACKSETS_PRINCIPAL);
    if (!admins.includes(account)) {
      return fail(
        this.id,
        `the rollout deployer ${account} is neither the management account (${managementAccount ?? 'unknown'}) nor a registered StackSets delegated administrator${admins.length ? ` (registered: ${admins.join(', ')})` : ''}`,
        `in the management account: aws organizations register-delegated-administrator --service-principal ${STACKSETS_PRINCIPAL} --account-id ${account}; or run with --org-role <management account role>`,
      );
    }
    if (callAs === 'DELEGATED_ADMIN') {
      return pass(
        this.id,
        `the rollout deployer ${account} is a registered StackSets delegated administrator (callAs DELEGATED_ADMIN)`,
      );
    }
    return fail(
      this.id,
      `the rollout deployer ${account} is a StackSets delegated administrator but rollout.callAs is SELF`,
      'set "rollout": { "callAs": "DELEGATED_ADMIN" } in cdk.json',
    );
  },
};

const targetOus: DoctorCheck = {
  id: 'target-ous',
  phase: 'deploy',
  scope: 'org',
  actions: ['organizations:DescribeOrganizationalUnit', 'organizations:ListRoots'],
  async run(deps) {
    const results: CheckResult[] = [];
    let roots: Promise<string[]> | undefined;
    for (const id of deps.config.targetOuIds) {
      const checkId = `target-ou ${id}`;
      const fix = `list an existing OU or root id in targetOuIds (aws organizations list-organizational-units-for-parent --parent-id <root id>)`;
      if (id.startsWith('r-')) {
        roots ??= deps.gates.organizations
          .call(() => deps.clients.organizations.send(new ListRootsCommand({})))
          .then((out) => (out.Roots ?? []).flatMap((r) => (r.Id ? [r.Id] : [])));
        const list = await roots;
        results.push(
          list.includes(id)
            ? pass(checkId, `root ${id} exists`)
            : fail(checkId, `root ${id} is not this organization's root (${list.join(', ') || 'none'})`, fix),
        );
        continue;
      }
      try {
        const out = await deps.gates.organizations.call(() =>
          deps.clients.organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id })),
        );
        results.push(pass(checkId, `OU ${id} exists (${out.OrganizationalUnit?.Name ?? 'unnamed'})`));
      } catch (err) {
        if (errorName(err) !== 'OrganizationalUnitNotFoundException') throw err;
        results.push(fail(checkId, `OU ${id} does not exist in this organization`, fix));
      }
    }
    return results;
  },
};

const hubAccount: DoctorCheck = {
  id: 'hub-account',
  phase: 'deploy',
  scope: 'org',
  actions: ['organizations:DescribeAccount', 'organizations:DescribeOrganization'],
  async run(deps) {
    const { hubAccountId, organizationId } = deps.config;
    const org = await describeOrganization(deps);
    if (org.id && org.id !== organizationId) {
      return fail(
        this.id,
        `these credentials see organization ${org.id}, config says ${organizationId}`,
        `set "organizationId": "${org.id}" in cdk.json, or run with credentials of organization ${organizationId}`,
      );
    }
    try {
      await deps.gates.organizations.call(() =>
        deps.clients.organizations.send(new DescribeAccountCommand({ AccountId: hubAccountId })),
      );
    } catch (err) {
      if (errorName(err) !== 'AccountNotFoundException') throw err;
      return fail(
        this.id,
        `hub account ${hubAccountId} is not in organization ${organizationId}`,
        `invite it (aws organizations invite-account-to-organization --target Id=${hubAccountId},Type=ACCOUNT) or fix hubAccountId in cdk.json`,
      );
    }
    if (hubAccountId === org.managementAccount) {
      return warn(
        this.id,
        `hub account ${hubAccountId} is the management account: StackSets never deploy a spoke there, and the SOC's workloads would share the most privileged account`,
        'use a dedicated security account as hubAccountId (AWS Security Reference Architecture: Security Tooling account)',
      );
    }
    return pass(this.id, `hub account ${hubAccountId} is a member of ${organizationId} and not the management account`);
  },
};

const regionsEnabled: DoctorCheck = {
  id: 'regions-enabled',
  phase: 'deploy',
  scope: 'any',
  actions: ['ec2:DescribeRegions'],
  async run(deps) {
    const out = await deps.gates.ec2.call(() =>
      deps.clients.ec2.send(new DescribeRegionsCommand({ AllRegions: true })),
    );
    const status = new Map((out.Regions ?? []).map((r) => [r.RegionName, r.OptInStatus]));
    const off = deps.config.regions.filter((r) => !status.has(r) || status.get(r) === 'not-opted-in');
    if (off.length === 0) {
      return pass(
        this.id,
        `every configured region is enabled in ${deps.caller.account} (${deps.config.regions.join(', ')})`,
      );
    }
    return fail(
      this.id,
      `not enabled in ${deps.caller.account}: ${off.join(', ')} — StackSet instances there fail`,
      `${off.map((r) => `aws account enable-region --region-name ${r}`).join('; ')} (for member accounts: add --account-id <id> from the management account), or drop them from "regions"`,
    );
  },
};

/** Checks of the first deploy, in report order. */
export const DEPLOY_CHECKS: readonly DoctorCheck[] = [
  cdkBootstrap,
  stackSetsTrustedAccess,
  stackSetsCaller,
  targetOus,
  hubAccount,
  regionsEnabled,
];
