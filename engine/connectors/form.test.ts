import { describe, expect, it } from 'vitest';
import { describeConnectorForm } from './form';
import { connectors, getConnector } from './index';

describe('connection form derived from the input schema', () => {
  it('gives every REST input a field of the right kind', () => {
    const form = describeConnectorForm(getConnector('REST'));
    const byName = Object.fromEntries(form.fields.map((field) => [field.name, field]));
    expect(form.fields.map((field) => field.name)).toEqual(
      Object.keys(getConnector('REST').inputSchema.shape),
    );
    expect(byName.url).toMatchObject({ kind: 'string', description: expect.stringContaining('URL') });
    expect(byName.method).toMatchObject({
      kind: 'enum',
      default: 'GET',
      options: expect.arrayContaining(['POST']),
    });
    expect(byName.port).toMatchObject({ kind: 'integer', minimum: 1, maximum: 65535 });
    expect(byName.read_timeout).toMatchObject({ kind: 'number', default: 60 });
    expect(byName.password).toMatchObject({ kind: 'secret' });
    expect(byName.bearer_token).toMatchObject({ kind: 'secret' });
    expect(byName.headers).toMatchObject({ kind: 'json' });
    expect(byName.expected_status_code).toMatchObject({ kind: 'json' });
  });

  it('describes every registered connector', () => {
    for (const connector of connectors) {
      const form = describeConnectorForm(connector);
      expect(form.fields.length).toBeGreaterThan(0);
      expect(
        form.fields
          .filter((field) => field.kind === 'secret')
          .map((field) => field.name)
          .sort(),
      ).toEqual([...connector.secretFields].sort());
    }
    const sqlpg = describeConnectorForm(getConnector('SQLPG'));
    expect(sqlpg.fields.find((field) => field.name === 'ssl')).toMatchObject({
      kind: 'enum',
      options: ['disable', 'require', 'verify-full'],
    });
    expect(sqlpg.fields.find((field) => field.name === 'params')).toMatchObject({
      kind: 'json',
      default: [],
    });
  });
});
