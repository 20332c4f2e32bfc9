/**
 * Minimal, valid sample events for each kind of finding the spokes forward: one builder per source, in the shape
 * AWS documents (the fields our normalizers read and the playbook Triggers match). `socless coverage` and the
 * drift test route them to see that nothing forwarded is left without a response.
 */

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TIME = '2026-01-01T00:00:00Z';

type Json = Record<string, unknown>;

function envelope(id: string, source: string, detailType: string, detail: Json): Json {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: TIME,
    region: REGION,
    resources: [],
    detail,
  };
}

/** A resource the sample is about, by Security Hub resource type, so remediations find their target. */
function resourceFor(control: string): { type: string; id: string } {
  if (control.startsWith('S3.')) return { type: 'AwsS3Bucket', id: 'arn:aws:s3:::coverage-sample-bucket' };
  if (control.startsWith('EC2.'))
    return {
      type: 'AwsEc2SecurityGroup',
      id: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
    };
  if (control.startsWith('IAM.')) return { type: 'AwsIamUser', id: `arn:aws:iam::${ACCOUNT}:user/coverage-sample` };
  return { type: 'AwsAccount', id: `AWS::::Account:${ACCOUNT}` };
}

/** A failing Security Hub control in ASFF (`Security Hub Findings - Imported`). */
export function securityHubAsffSample(control: string, status: 'active' | 'resolved' = 'active'): Json {
  const resource = resourceFor(control);
  return envelope(`coverage-asff-${control}-${status}`, 'aws.securityhub', 'Security Hub Findings - Imported', {
    findings: [
      {
        SchemaVersion: '2018-10-08',
        Id: `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/${control}/finding/coverage`,
        ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
        AwsAccountId: ACCOUNT,
        Region: REGION,
        Severity: { Label: 'HIGH' },
        Title: `${control} sample`,
        Resources: [{ Type: resource.type, Id: resource.id, Region: REGION }],
        Compliance: { Status: status === 'active' ? 'FAILED' : 'PASSED', SecurityControlId: control },
        Workflow: { Status: status === 'active' ? 'NEW' : 'RESOLVED' },
        RecordState: 'ACTIVE',
      },
    ],
  });
}

/** The same failing control in Security Hub's OCSF format (`Findings Imported V2`). */
export function securityHubOcsfSample(control: string): Json {
  const resource = resourceFor(control);
  return envelope(`coverage-ocsf-${control}`, 'aws.securityhub', 'Findings Imported V2', {
    findings: [
      {
        class_uid: 2003,
        class_name: 'Compliance Finding',
        finding_info: { uid: `coverage-ocsf-${control}`, title: `${control} sample` },
        severity_id: 4,
        status_id: 1,
        cloud: { account: { uid: ACCOUNT }, region: REGION },
        metadata: {
          product: { uid: `arn:aws:securityhub:${REGION}::productv2/aws/securityhub`, name: 'Security Hub' },
        },
        compliance: { control, status_id: 3, status: 'Fail' },
        resources: [
          {
            uid: resource.id,
            type: resource.type === 'AwsS3Bucket' ? 'AWS::S3::Bucket' : resource.type,
            region: REGION,
            owner: { account: { uid: ACCOUNT } },
          },
        ],
      },
    ],
  });
}

/** A GuardDuty finding of `type` (about an instance, or an IAM user's long-term key for IAMUser types). */
export function guardDutySample(type: string): Json {
  const resource = type.includes(':IAMUser/')
    ? {
        resourceType: 'AccessKey',
        accessKeyDetails: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', userName: 'coverage-sample', userType: 'IAMUser' },
      }
    : type.startsWith('Policy:S3/')
      ? {
          resourceType: 'S3Bucket',
          s3BucketDetails: [{ arn: 'arn:aws:s3:::coverage-sample-bucket', name: 'coverage-sample-bucket' }],
        }
      : { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0123456789abcdef0' } };
  return envelope(`coverage-gd-${type}`, 'aws.guardduty', 'GuardDuty Finding', {
    schemaVersion: '2.0',
    accountId: ACCOUNT,
    region: REGION,
    partition: 'aws',
    id: `coverage-${type.replace(/[^A-Za-z0-9]/g, '')}`,
    type,
    severity: 8,
    title: `${type} sample`,
    resource,
    service: { archived: false, count: 1 },
  });
}

/** A Config rule's compliance change for a security group (NON_COMPLIANT unless told otherwise). */
export function configSample(rule: string, compliance: 'NON_COMPLIANT' | 'COMPLIANT' = 'NON_COMPLIANT'): Json {
  const resource = rule.includes('s3')
    ? { type: 'AWS::S3::Bucket', id: 'coverage-sample-bucket' }
    : { type: 'AWS::EC2::SecurityGroup', id: 'sg-0123456789abcdef0' };
  return envelope(`coverage-config-${rule}-${compliance}`, 'aws.config', 'Config Rules Compliance Change', {
    resourceId: resource.id,
    resourceType: resource.type,
    awsRegion: REGION,
    awsAccountId: ACCOUNT,
    configRuleName: rule,
    messageType: 'ComplianceChangeNotification',
    newEvaluationResult: { complianceType: compliance },
  });
}

/** Services of the API names the project knows; a name not listed is sampled as an IAM call (routing does not care). */
const API_SOURCES: Readonly<Record<string, string>> = {
  StopLogging: 'cloudtrail.amazonaws.com',
  DeleteTrail: 'cloudtrail.amazonaws.com',
  UpdateTrail: 'cloudtrail.amazonaws.com',
  PutBucketPolicy: 's3.amazonaws.com',
  DeleteBucketPolicy: 's3.amazonaws.com',
  PutBucketAcl: 's3.amazonaws.com',
  PutObjectAcl: 's3.amazonaws.com',
  DeleteBucketPublicAccessBlock: 's3.amazonaws.com',
  PutAccountPublicAccessBlock: 's3.amazonaws.com',
  DeleteAccountPublicAccessBlock: 's3.amazonaws.com',
  AuthorizeSecurityGroupIngress: 'ec2.amazonaws.com',
  ModifySnapshotAttribute: 'ec2.amazonaws.com',
  DisableEbsEncryptionByDefault: 'ec2.amazonaws.com',
  ModifyDBSnapshotAttribute: 'rds.amazonaws.com',
  DisableKeyRotation: 'kms.amazonaws.com',
  AddPermission: 'lambda.amazonaws.com',
  DeleteDetector: 'guardduty.amazonaws.com',
  DisableSecurityHub: 'securityhub.amazonaws.com',
};

/** The service a sample of `apiName` is sent from. */
export function apiSource(apiName: string, known: Readonly<Record<string, string>> = {}): string {
  return known[apiName] ?? API_SOURCES[apiName] ?? 'iam.amazonaws.com';
}

/** A successful CloudTrail management call (`AWS API Call via CloudTrail`), with request parameters. */
export function cloudTrailSample(eventName: string, eventSource: string, requestParameters: Json = {}): Json {
  const service = eventSource.replace(/\.amazonaws\.com$/, '');
  return envelope(`coverage-ct-${eventName}`, `aws.${service}`, 'AWS API Call via CloudTrail', {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/session`,
      accountId: ACCOUNT,
    },
    eventTime: TIME,
    eventSource,
    eventName,
    awsRegion: REGION,
    sourceIPAddress: '198.51.100.7',
    requestParameters,
    recipientAccountId: ACCOUNT,
  });
}

/** An IAM Access Analyzer finding on a resource type, public or shared outside the zone of trust. */
export function accessAnalyzerSample(
  resourceType: string,
  resource: string,
  isPublic: boolean,
  status: 'ACTIVE' | 'RESOLVED' = 'ACTIVE',
): Json {
  return envelope(
    `coverage-aa-${resourceType}-${isPublic}-${status}`,
    'aws.access-analyzer',
    'Access Analyzer Finding',
    {
      version: '1.0',
      id: `coverage-aa-${resourceType.replace(/\W/g, '')}-${isPublic}`,
      status,
      resourceType,
      resource,
      accountId: ACCOUNT,
      region: REGION,
      principal: { AWS: isPublic ? '*' : '444455556666' },
      action: ['s3:GetObject'],
      isPublic,
    },
  );
}
