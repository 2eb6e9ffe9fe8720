/**
 * The configurations the suite cannot run here (they need AWS), checked
 * against the schemas AWS documents: the S3 bucket CORS configuration
 * (PutBucketCors, CORSRule) and the API Gateway HTTP API's
 * CorsConfiguration (AWS::ApiGatewayV2::Api). Each check returns the
 * problems found, in words; `[]` means the configuration is well-formed and
 * allows exactly what the request needs.
 */

/** What the fix must allow, from the failing request. */
export interface Wanted {
  origin: string;
  method: string;
  /** Lowercase names, as the browser's Access-Control-Request-Headers lists them. */
  headers: string[];
  credentials: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((i) => typeof i === 'string');

/** Keys outside `allowed`, and wrong types, of one object. */
function shape(where: string, obj: Record<string, unknown>, fields: Record<string, (v: unknown) => boolean>, required: string[]): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(obj)) {
    const ok = fields[key];
    if (ok === undefined) problems.push(`${where}: unknown key ${key}`);
    else if (!ok(obj[key])) problems.push(`${where}.${key}: wrong type`);
  }
  for (const key of required) if (!(key in obj)) problems.push(`${where}: ${key} is required`);
  return problems;
}

/** Origins: exactly the wanted one, no wildcard. */
function origins(where: string, list: string[], wanted: Wanted): string[] {
  const problems: string[] = [];
  if (list.some((o) => o.includes('*'))) problems.push(`${where}: a wildcard origin`);
  if (list.length !== 1 || list[0] !== wanted.origin) problems.push(`${where}: expected exactly [${wanted.origin}], got ${JSON.stringify(list)}`);
  return problems;
}

function covers(where: string, list: string[], names: string[]): string[] {
  const lower = new Set(list.map((n) => n.toLowerCase()));
  return names.filter((n) => !lower.has(n.toLowerCase())).map((n) => `${where}: ${n} is missing`);
}

const S3_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** An S3 bucket CORS configuration, as the console and `aws s3api put-bucket-cors` (CORSRules) take it. */
export function checkS3(config: unknown, wanted: Wanted): string[] {
  if (!Array.isArray(config) || config.length === 0) return ['the configuration is not a non-empty array of CORS rules'];
  if (config.length > 100) return ['S3 takes at most 100 CORS rules'];
  const problems: string[] = [];
  config.forEach((rule, i) => {
    const where = `rule ${i}`;
    if (!isObject(rule)) {
      problems.push(`${where}: not an object`);
      return;
    }
    problems.push(
      ...shape(
        where,
        rule,
        {
          ID: (v) => typeof v === 'string' && v.length <= 255,
          AllowedHeaders: isStringList,
          AllowedMethods: (v) => isStringList(v) && v.every((m) => S3_METHODS.includes(m)),
          AllowedOrigins: isStringList,
          ExposeHeaders: isStringList,
          MaxAgeSeconds: (v) => Number.isInteger(v) && (v as number) >= 0,
        },
        ['AllowedMethods', 'AllowedOrigins'],
      ),
    );
    if (isStringList(rule.AllowedOrigins)) problems.push(...origins(`${where}.AllowedOrigins`, rule.AllowedOrigins, wanted));
    if (isStringList(rule.AllowedMethods) && !rule.AllowedMethods.includes(wanted.method)) problems.push(`${where}.AllowedMethods: ${wanted.method} is missing`);
    if (wanted.headers.length > 0) problems.push(...covers(`${where}.AllowedHeaders`, isStringList(rule.AllowedHeaders) ? rule.AllowedHeaders : [], wanted.headers));
  });
  return problems;
}

/** A CloudFormation template with an HTTP API (AWS::ApiGatewayV2::Api) and its CorsConfiguration. */
export function checkApiGatewayHttp(template: unknown, wanted: Wanted): string[] {
  if (!isObject(template) || !isObject(template.Resources)) return ['no Resources'];
  const apis = Object.entries(template.Resources).filter(([, r]) => isObject(r) && r.Type === 'AWS::ApiGatewayV2::Api');
  if (apis.length !== 1) return [`expected one AWS::ApiGatewayV2::Api resource, found ${apis.length}`];
  const [name, resource] = apis[0] as [string, Record<string, unknown>];
  const props = resource.Properties;
  if (!isObject(props)) return [`${name}: no Properties`];
  const problems: string[] = [];
  if (props.ProtocolType !== 'HTTP') problems.push(`${name}.Properties.ProtocolType: expected HTTP (CorsConfiguration is for HTTP APIs only)`);
  const cors = props.CorsConfiguration;
  if (!isObject(cors)) return [...problems, `${name}.Properties.CorsConfiguration is missing`];
  const where = `${name}.Properties.CorsConfiguration`;
  problems.push(
    ...shape(
      where,
      cors,
      {
        AllowCredentials: (v) => typeof v === 'boolean',
        AllowHeaders: isStringList,
        AllowMethods: isStringList,
        AllowOrigins: isStringList,
        ExposeHeaders: isStringList,
        MaxAge: (v) => Number.isInteger(v) && (v as number) >= -1 && (v as number) <= 86400,
      },
      ['AllowOrigins', 'AllowMethods'],
    ),
  );
  if (isStringList(cors.AllowOrigins)) problems.push(...origins(`${where}.AllowOrigins`, cors.AllowOrigins, wanted));
  if ((cors.AllowCredentials === true) !== wanted.credentials) problems.push(`${where}.AllowCredentials: expected ${wanted.credentials}`);
  if (isStringList(cors.AllowMethods) && !cors.AllowMethods.includes(wanted.method) && !cors.AllowMethods.includes('*')) {
    problems.push(`${where}.AllowMethods: ${wanted.method} is missing`);
  }
  if (wanted.headers.length > 0) problems.push(...covers(`${where}.AllowHeaders`, isStringList(cors.AllowHeaders) ? cors.AllowHeaders : [], wanted.headers));
  return problems;
}
