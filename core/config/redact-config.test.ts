import { ConfigError } from './config-error';
import { testRegistry, testSchemas, VALID_PIPELINE } from './fixtures/test-plugins';
import type { Environment } from './interpolation';
import { loadPipelineText } from './pipeline-loader';
import { redactConfig } from './redact-config';

const SECRET = 'correct-horse-battery';
const schemas = testSchemas();
const registry = testRegistry();

function load(text: string, env: Environment) {
  return loadPipelineText(text, { file: 'pipeline.yaml', registry, schemas, env });
}

function messagesOf(text: string, env: Environment): string {
  try {
    load(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.toString();
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const SINK = (options: string) => `
name: p
sources: [{ id: in, type: test, topic: t }]
sinks: [{ id: out, type: test, table: t, ${options} }, { id: other, type: test, table: u }]
`;

describe('secrets', () => {
  it('redacts every writeOnly value, whole objects included, and nothing else', () => {
    const config = load(SINK('password: "${PW}", credentials: { user: bob, token: tok-123456 }'), { PW: SECRET });
    expect(config.secretPaths).toEqual(['/sinks/0/credentials', '/sinks/0/password']);
    const redacted = redactConfig(config) as { sinks: Record<string, unknown>[] };
    expect(redacted.sinks[0]).toMatchObject({ id: 'out', table: 't', password: '***', credentials: '***' });
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(JSON.stringify(redacted)).not.toContain('tok-123456');
    // the loaded config itself keeps the values: plugins need them
    expect(config.sinks[0]?.password).toBe(SECRET);
  });

  it('scrubs a secret that also ended up in a field that is not secret', () => {
    const config = load(SINK('password: "${PW}", mode: insert').replace('table: u', 'table: "copy-of-${PW}"'), { PW: SECRET });
    const text = JSON.stringify(redactConfig(config));
    expect(text).not.toContain(SECRET);
    expect(text).toContain('copy-of-***');
  });

  it('never repeats a secret value in a schema error', () => {
    // too short for the schema and containing a space: both errors concern the secret field
    const text = messagesOf(SINK('password: "${PW}"'), { PW: 'a b' });
    expect(text).toContain('/sinks/0/password: must be at least 8 characters long');
    expect(text).not.toContain('a b');
  });

  it('never repeats a secret value that was also used where it ends up in a message', () => {
    const text = messagesOf(SINK('password: "${PW}"').replace('id: other', 'id: "${PW}"') + 'errors: { policy: dead-letter, sink: "x${PW}" }\n', {
      PW: SECRET,
    });
    expect(text).toContain("there is no sink 'x***'");
    expect(text).not.toContain(SECRET);
  });

  it('keeps a config without secrets unchanged', () => {
    const config = load(VALID_PIPELINE, { PG_PASSWORD: SECRET });
    const redacted = redactConfig({ ...config, secretPaths: [] });
    expect(redacted).toEqual(JSON.parse(JSON.stringify({ ...config, secretPaths: [] })));
  });
});
