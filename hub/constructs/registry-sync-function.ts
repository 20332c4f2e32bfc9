import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { SoclessConfig } from '../../shared/config.ts';
import { ORGANIZATIONS_TAG_CHANGE_PATTERN } from '../../shared/org/registry-sync.ts';
import { MODE_CONFIG_DEFINE, modeConfigOf } from '../functions/registry-sync.ts';
import type { HubTables } from './hub-tables.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

/** Properties of {@link RegistrySyncFunction}. */
export interface RegistrySyncFunctionProps extends SoclessFunctionDefaults {
  readonly tables: HubTables;
  /** The hub bus the management account's `SoclessOrgEvents` stack forwards Organizations calls to. */
  readonly bus: IEventBus;
  readonly config: SoclessConfig;
}

/**
 * The registry-sync Lambda (hub/functions/registry-sync.ts) and its rule on the hub bus: account tag changes
 * reach the accounts registry within seconds, so a tag-set remediation mode takes effect without a rescan.
 * Its role reads and writes account items and reads which account manages the organization; nothing else.
 */
export class RegistrySyncFunction extends Construct {
  readonly handler: SoclessFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RegistrySyncFunctionProps) {
    super(scope, id);
    this.handler = new SoclessFunction(this, 'RegistrySync', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/registry-sync.ts', import.meta.url)),
      description: 'Applies Organizations account tag changes (and the mode they set) to the accounts registry',
      timeout: Duration.seconds(30),
      define: { [MODE_CONFIG_DEFINE]: JSON.stringify(JSON.stringify(modeConfigOf(props.config))) },
    });
    this.handler.bindTable(props.tables.tables.accounts, 'rw');
    // DescribeOrganization supports no resource-level permissions: "*" is the only resource it takes.
    this.handler.addToRolePolicy(
      new PolicyStatement({ actions: ['organizations:DescribeOrganization'], resources: ['*'] }),
    );
    this.rule = new Rule(this, 'TagChanges', {
      eventBus: props.bus,
      description: 'SOCless registry sync: account TagResource/UntagResource calls forwarded by the management account',
      eventPattern: {
        source: [...ORGANIZATIONS_TAG_CHANGE_PATTERN.source],
        detailType: [...ORGANIZATIONS_TAG_CHANGE_PATTERN['detail-type']],
        detail: {
          eventSource: [...ORGANIZATIONS_TAG_CHANGE_PATTERN.detail.eventSource],
          eventName: [...ORGANIZATIONS_TAG_CHANGE_PATTERN.detail.eventName],
        },
      },
      targets: [
        // Invocations that still fail after Lambda's own retries land in the function's dead-letter queue.
        new LambdaFunction(this.handler.invokeTarget, { retryAttempts: 4 }),
      ],
    });
  }
}
