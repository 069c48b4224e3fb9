/**
 * The webhook secrets in the template: no config change (apps added, removed, a callback URL
 * secret asked for) touches the secret resource itself; only the entries resource's app list
 * changes, and that resource only ever adds entries (test/secret-entries/).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { type SinchApp, TUNABLE_DEFAULTS } from '../../infra/config';
import { WebhookIngress } from '../../infra/constructs/ingress';
import { EU_APP, EU_SMS_APP, US_APP } from './example-config';

const code = lambda.Code.fromInline('exports.handler = async () => ({})');

function ingressTemplate(apps: SinchApp[], prune = false): Template & { nagRules: string[] } {
  const app = new App();
  const stack = new Stack(app, 'Hooks', { env: { account: '123456789012', region: 'eu-west-1' } });
  new WebhookIngress(stack, 'Ingress', {
    sinchRegion: 'eu',
    projectId: 'p',
    apps,
    tunables: TUNABLE_DEFAULTS,
    pruneRemovedAppSecrets: prune,
    code,
    secretEntriesCode: code,
  });
  const nagRules = new AwsSolutionsChecks(app).validateScope(stack).violations.map((v) => v.ruleName);
  return Object.assign(Template.fromStack(stack), { nagRules });
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const ofType = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, Resource>);

describe('the webhook secrets resources', () => {
  it('keep the secret resource identical whatever the app list; only the entries app list changes', () => {
    const before = ingressTemplate([{ id: EU_APP }, { id: EU_SMS_APP }]);
    const after = ingressTemplate([{ id: EU_APP }, { id: US_APP, callbackUrlSecret: true }]);
    const [beforeSecret] = ofType(before, 'AWS::SecretsManager::Secret');
    const [afterSecret] = ofType(after, 'AWS::SecretsManager::Secret');
    expect(ofType(after, 'AWS::SecretsManager::Secret')).toHaveLength(1);
    expect(after.nagRules).toEqual([]);
    expect(afterSecret).toEqual(beforeSecret);
    // The logical id of the versions that built the value from seeds: the same secret stays.
    expect(afterSecret![0]).toMatch(/^IngressWebhookSecrets[0-9A-F]{8}$/);
    expect(afterSecret![1].Properties).not.toHaveProperty('SecretString');
    expect(afterSecret![1].Properties).not.toHaveProperty('GenerateSecretString');

    const [[, entries]] = ofType(after, 'Custom::WebhookSecretEntries') as [[string, Resource]];
    expect(entries.Properties).toMatchObject({
      SecretId: { Ref: afterSecret![0] },
      AppIds: [EU_APP, US_APP],
      CallbackUrlAppIds: [US_APP],
      PruneRemovedApps: 'false',
    });
  });

  it('prunes removed apps only with the teardown switch', () => {
    const [[, entries]] = ofType(ingressTemplate([{ id: EU_APP }], true), 'Custom::WebhookSecretEntries') as [
      [string, Resource],
    ];
    expect(entries.Properties.PruneRemovedApps).toBe('true');
  });
});
