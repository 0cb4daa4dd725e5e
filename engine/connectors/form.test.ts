import { describe, expect, it } from 'vitest';
import { describeConnectorForm } from './form';
import { connectors, getConnector } from './index';

describe('connection form derived from the input schema', () => {
  it('gives every REST input a field of the right kind', () => {
    const form = describeConnectorForm(getConnector('REST'));
    const byName = Object.fromEntries(form.fields.map((field) => [field.name, field]));
    expect(form.fields.map((field) => field.name).sort()).toEqual(
      Object.keys(getConnector('REST').inputSchema.shape).sort(),
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
  });

  it('groups the fields: common ones first, advanced ones folded, each field once', () => {
    const rest = describeConnectorForm(getConnector('REST'));
    expect(rest.sections.map((section) => [section.title, section.advanced])).toEqual([
      ['Address', false],
      ['Authentication', false],
      ['Request', true],
      ['Address by parts', true],
      ['Timeouts and retries', true],
    ]);
    expect(rest.sections[0]!.fields).toEqual(['url', 'path', 'method']);
    expect(rest.fields.map((field) => field.name)).toEqual(
      rest.sections.flatMap((section) => section.fields),
    );
    expect(rest.sections.filter((section) => !section.advanced).flatMap((s) => s.fields)).toHaveLength(6);
  });

  it("leaves each call's own inputs (the SQL query and its params) out of the form, naming them", () => {
    const sqlpg = describeConnectorForm(getConnector('SQLPG'));
    expect(sqlpg.callFields).toEqual(['fetchval', 'fetchrow', 'fetch', 'execute', 'params']);
    expect(sqlpg.fields.map((field) => field.name)).toEqual([
      'host',
      'port',
      'database',
      'user',
      'password',
      'ssl',
      'url',
      'connect_timeout',
      'query_timeout',
    ]);
  });

  it('refuses a definition whose groups miss a field, name an unknown one or one twice', () => {
    const rest = getConnector('REST');
    const [address, ...others] = rest.formGroups;
    expect(() =>
      describeConnectorForm({ ...rest, formGroups: [{ ...address!, fields: ['url', 'path'] }, ...others] }),
    ).toThrow(
      'connector REST: formGroups must hold each stored field once (missing: method; unknown or per call: -; twice: -)',
    );
    expect(() =>
      describeConnectorForm({
        ...rest,
        formGroups: [...rest.formGroups, { title: 'X', fields: ['url', 'colour'] }],
      }),
    ).toThrow('(missing: -; unknown or per call: colour; twice: url)');
  });
});
