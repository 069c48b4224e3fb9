import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

// The local DynamoDB replays the parse of an expression it has seen (local/aws/dynalite-expression-memo.ts):
// the same expression with other values must behave as if parsed afresh every time.
describe('local DynamoDB with remembered expression parses', () => {
  let ddb: LocalDynamoDb;
  let client: DynamoDBClient;
  const TableName = 'memo';

  beforeAll(async () => {
    ddb = await startLocalDynamoDb({ tables: [TableName] });
    client = new DynamoDBClient({ endpoint: ddb.endpoint, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    await ddb.close();
  });

  const claim = (id: string, values: Record<string, { S: string } | { N: string }>) =>
    client.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: id } },
        UpdateExpression:
          'SET #status = :status, attempts = if_not_exists(attempts, :zero) + :one, note = :note',
        ConditionExpression: 'attribute_not_exists(id) OR attempts < :max',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      } satisfies UpdateItemCommandInput),
    );
  const values = (note: string, max: number) => ({
    ':status': { S: `status-${note}` },
    ':zero': { N: '0' },
    ':one': { N: '1' },
    ':note': { S: note },
    ':max': { N: String(max) },
  });

  it('writes each request its own values', async () => {
    for (let i = 0; i < 5; i++) await claim(`own-${i}`, values(`n${i}`, 5));
    for (let i = 0; i < 5; i++) {
      const { Item } = await client.send(new GetItemCommand({ TableName, Key: { id: { S: `own-${i}` } } }));
      expect(Item).toEqual({
        id: { S: `own-${i}` },
        status: { S: `status-n${i}` },
        attempts: { N: '1' },
        note: { S: `n${i}` },
      });
    }
  });

  it('evaluates the condition with each request its own values', async () => {
    await claim('cond', values('a', 5));
    await claim('cond', values('b', 5)); // attempts 1 < 5
    await expect(claim('cond', values('c', 2))).rejects.toBeInstanceOf(ConditionalCheckFailedException); // 2 < 2 fails
    const { Attributes } = await claim('cond', values('d', 3)); // 2 < 3
    expect(Attributes?.attempts).toEqual({ N: '3' });
    expect(Attributes?.note).toEqual({ S: 'd' });
  });

  it('refuses a value of another type in an expression it accepted before', async () => {
    await claim('types', values('a', 5));
    await expect(claim('types', { ...values('b', 5), ':one': { S: '1' } })).rejects.toThrow(
      /Incorrect operand type/,
    );
    await expect(claim('types', { ...values('c', 5), ':unused': { S: 'x' } })).rejects.toThrow(
      /unused in expressions/,
    );
    await expect(
      claim('types', { ':status': { S: 's' }, ':zero': { N: '0' }, ':one': { N: '1' }, ':note': { S: 'n' } }),
    ).rejects.toThrow(/not defined/);
    const { Attributes } = await claim('types', values('d', 5));
    expect(Attributes?.attempts).toEqual({ N: '2' });
  });

  it('marks what each expression uses, whichever expression of the request used it first', async () => {
    const write = (id: string, update: string) =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: id } },
          UpdateExpression: update,
          ConditionExpression: 'attribute_not_exists(id) OR note = :note',
          ExpressionAttributeValues: { ':note': { S: 'shared' }, ':other': { S: 'o' } },
        }),
      );
    // First the update uses :note too; then only the condition does, which must still count.
    await write('shared-1', 'SET note = :note, extra = :other');
    await write('shared-2', 'SET extra = :other');
    const { Item } = await client.send(new GetItemCommand({ TableName, Key: { id: { S: 'shared-2' } } }));
    expect(Item).toEqual({ id: { S: 'shared-2' }, extra: { S: 'o' } });
  });

  it('checks BETWEEN bounds and attribute_type names on every request', async () => {
    const between = (low: string, high: string) =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'between' } },
          UpdateExpression: 'SET n = :n',
          ConditionExpression: 'attribute_not_exists(n) OR n BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':n': { N: '5' }, ':low': { N: low }, ':high': { N: high } },
        }),
      );
    await between('1', '9');
    await expect(between('9', '1')).rejects.toThrow(/upper bound to be greater than or equal/);
    const typed = (type: string) =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'typed' } },
          UpdateExpression: 'SET t = :t',
          ConditionExpression: 'attribute_not_exists(t) OR attribute_type(t, :type)',
          ExpressionAttributeValues: { ':t': { S: 'x' }, ':type': { S: type } },
        }),
      );
    await typed('S');
    await expect(typed('STRING')).rejects.toThrow(/Invalid attribute type name/);
  });
});
