import { isIPv4, isIPv6 } from 'node:net';
import type Ajv2020 from 'ajv/dist/2020';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The string formats connector schemas may use. Strict mode refuses unknown formats at compile time, so a schema
 * that needs another one fails loudly in its first test; add it here (no extra package: ajv-formats is not needed
 * for this handful).
 */
export function addSchemaFormats(ajv: Ajv2020): void {
  ajv.addFormat('uri', { type: 'string', validate: (value) => /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value) });
  ajv.addFormat('hostname', { type: 'string', validate: (value) => HOSTNAME.test(value) });
  ajv.addFormat('ipv4', { type: 'string', validate: (value) => isIPv4(value) });
  ajv.addFormat('ipv6', { type: 'string', validate: (value) => isIPv6(value) });
  ajv.addFormat('date-time', { type: 'string', validate: (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) });
  ajv.addFormat('uuid', { type: 'string', validate: (value) => UUID.test(value) });
  ajv.addFormat('regex', { type: 'string', validate: isRegex });
}

function isRegex(value: string): boolean {
  try {
    new RegExp(value, 'u');
    return true;
  } catch {
    return false;
  }
}
