import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { restEndpoints } from '@/server/rest/endpoints/index';
import { buildOpenApiDocument } from '@/server/rest/openapi';
import styles from './api-docs.module.css';
import { constraints, Prose, SchemaView, typeLabel, type JsonSchema } from './SchemaView';

export const metadata: Metadata = { title: 'REST API' };

type Parameter = { name: string; in: string; required: boolean; schema: JsonSchema };
type Operation = {
  tags: string[];
  summary: string;
  description?: string;
  parameters: Parameter[];
  /** JSON for every operation but a webhook's, which takes any content type. */
  requestBody?: { content: { 'application/json'?: { schema: JsonSchema } } };
  responses: Record<
    string,
    { description: string; content?: { 'application/json': { schema: JsonSchema } } }
  >;
};
type Entry = { method: string; path: string; operation: Operation };

async function apiBaseUrl(): Promise<string> {
  const configured = process.env.NEXTAUTH_URL;
  if (configured) return `${configured.replace(/\/$/, '')}/api/latest`;
  const host = (await headers()).get('host') ?? 'localhost:3000';
  return `http://${host}/api/latest`;
}

/** How many fields a response shows at its top level; long ones start folded. */
function fieldCount(schema: JsonSchema | undefined): number {
  return schema ? Object.keys(schema.properties ?? {}).length : 0;
}

function slug(method: string, path: string): string {
  return `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '');
}

/** The REST API, rendered on the server from the same OpenAPI document that /api/latest/openapi.json serves. */
export default async function ApiDocsPage() {
  const baseUrl = await apiBaseUrl();
  const document = buildOpenApiDocument(restEndpoints, baseUrl);
  const byTag = new Map<string, Entry[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods as Record<string, Operation>)) {
      const tag = operation.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method: method.toUpperCase(), path, operation }]);
    }
  }

  const curl = [
    `curl -X POST ${baseUrl}/execution \\`,
    `  -H "Authorization: Bearer $FLOWLINE_TOKEN" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"flow": "my flow", "input_value": {"name": "Ada"}, "wait": 10}'`,
  ].join('\n');

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>REST API</h1>
          <p>{document.info.description}</p>
        </div>
      </header>

      <section className="card card-body stack" aria-label="Getting started">
        <dl className="meta">
          <div>
            <dt>Base URL</dt>
            <dd className={styles.baseUrl}>
              <code>{baseUrl}</code>
            </dd>
          </div>
          <div>
            <dt>Format</dt>
            <dd>JSON in, JSON out</dd>
          </div>
          <div>
            <dt>OpenAPI 3.1</dt>
            <dd>
              <code>GET /api/latest/openapi.json</code>
            </dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>
              <code>{'{ "error": { code, message, path } }'}</code>
            </dd>
          </div>
        </dl>
        <p>
          Every request carries an API token: <code>Authorization: Bearer &lt;token&gt;</code>. Create one
          under <Link href="/settings">Settings → API tokens</Link>; it is shown once. Start an execution and
          wait up to 10 seconds for its end (200 with the ended execution, or 202 while it still runs):
        </p>
        <pre className={styles.curl} aria-label="curl example">
          <code>{curl}</code>
        </pre>
      </section>

      <nav className={`card card-body ${styles.toc}`} aria-label="Endpoints">
        {[...byTag].map(([tag, entries]) => (
          <div key={tag}>
            <h2 className={styles.tocTitle}>{tag}</h2>
            <ul>
              {entries.map(({ method, path, operation }) => (
                <li key={`${method} ${path}`}>
                  <a href={`#${slug(method, path)}`}>
                    <span className={`${styles.method} ${styles[method]}`}>{method}</span>
                    <code>{path}</code>
                  </a>
                  <span className="muted"> {operation.summary}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>

      {[...byTag].map(([tag, entries]) => (
        <section key={tag} className="stack" aria-label={tag}>
          <h2 className={styles.tagTitle}>{tag}</h2>
          {entries.map(({ method, path, operation }) => (
            <article key={`${method} ${path}`} id={slug(method, path)} className={`card ${styles.endpoint}`}>
              <header className={styles.endpointHead}>
                <span className={`${styles.method} ${styles[method]}`}>{method}</span>
                <code className={styles.path}>/api/latest{path}</code>
                <span className={styles.summary}>{operation.summary}</span>
              </header>
              <div className={styles.endpointBody}>
                {operation.description && (
                  <p>
                    <Prose text={operation.description} />
                  </p>
                )}
                {operation.parameters.length > 0 && (
                  <div>
                    <h3 className={styles.partTitle}>Parameters</h3>
                    <table className={styles.fields}>
                      <tbody>
                        {operation.parameters.map((parameter) => {
                          const notes = constraints(parameter.schema);
                          return (
                            <tr key={`${parameter.in}:${parameter.name}`}>
                              <td className={styles.fieldName}>
                                <code>{parameter.name}</code>
                                {parameter.required && <span className={styles.required}>required</span>}
                                <span className={styles.location}>in {parameter.in}</span>
                              </td>
                              <td className={styles.fieldType}>
                                <code>{typeLabel(parameter.schema)}</code>
                              </td>
                              <td className={styles.fieldText}>
                                <Prose text={parameter.schema.description} />
                                {notes.length > 0 && (
                                  <span className={styles.notes}>{notes.join(' · ')}</span>
                                )}
                              </td>
                            </tr>
                          );
                        })}
                      </tbody>
                    </table>
                  </div>
                )}
                {operation.requestBody?.content['application/json'] && (
                  <div>
                    <h3 className={styles.partTitle}>Request body</h3>
                    <SchemaView schema={operation.requestBody.content['application/json'].schema} />
                  </div>
                )}
                <div>
                  <h3 className={styles.partTitle}>Responses</h3>
                  {Object.entries(operation.responses).map(([status, response]) => {
                    const schema = response.content?.['application/json'].schema;
                    return (
                      <details
                        key={status}
                        className={styles.response}
                        open={status.startsWith('2') && fieldCount(schema) <= 8}
                      >
                        <summary>
                          <span className={status.startsWith('2') ? styles.ok : styles.err}>{status}</span>{' '}
                          {response.description}
                        </summary>
                        {schema && <SchemaView schema={schema} />}
                      </details>
                    );
                  })}
                </div>
              </div>
            </article>
          ))}
        </section>
      ))}
    </div>
  );
}
