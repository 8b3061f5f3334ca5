/**
 * Generates `src/apiserver/schemas/kubernetes.json`: the OpenAPI v3 `components.schemas` of the
 * kinds everynode serves, with upstream's schema names (`io.k8s.api.apps.v1.DaemonSet`) and field
 * descriptions, derived from the `kubernetes-types` declaration files with the TypeScript compiler
 * API. `kubectl explain` renders these schemas; field validation (unknown fields) walks them.
 *
 *   npx tsx scripts/generate-openapi-schemas.ts           # rewrite the checked-in file
 *   npx tsx scripts/generate-openapi-schemas.ts --check   # exit 1 when it is out of date
 *
 * What kubernetes-types cannot tell (it has one `number` type and inlines IntOrString) follows
 * upstream's conventions: numbers are `integer`, `number | string` is a `$ref` to IntOrString, and
 * the apimachinery scalar types (Time, MicroTime, Quantity, IntOrString, RawExtension, FieldsV1)
 * carry upstream's schemas. Patch extensions (`x-kubernetes-patch-*`) are not emitted: kubectl
 * computes client-side apply patches from its compiled-in types, which this keeps unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';

/** One OpenAPI v3 schema as upstream publishes it (the subset we emit). */
export interface OpenApiSchema {
  description?: string;
  type?: string;
  format?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
}

/** kubernetes-types module (path without `.d.ts`) → upstream OpenAPI package prefix. */
const PACKAGES: Readonly<Record<string, string>> = {
  'core/v1': 'io.k8s.api.core.v1',
  'apps/v1': 'io.k8s.api.apps.v1',
  'coordination/v1': 'io.k8s.api.coordination.v1',
  'scheduling/v1': 'io.k8s.api.scheduling.v1',
  'events/v1': 'io.k8s.api.events.v1',
  'rbac/v1': 'io.k8s.api.rbac.v1',
  'meta/v1': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
  runtime: 'io.k8s.apimachinery.pkg.runtime',
};

/** The served kinds: the roots of the schema closure, tagged with their group/version/kind. */
const ROOTS: readonly { module: string; kind: string; group: string; version: string }[] = [
  { module: 'core/v1', kind: 'Namespace', group: '', version: 'v1' },
  { module: 'core/v1', kind: 'Node', group: '', version: 'v1' },
  { module: 'core/v1', kind: 'Pod', group: '', version: 'v1' },
  { module: 'core/v1', kind: 'Event', group: '', version: 'v1' },
  { module: 'apps/v1', kind: 'DaemonSet', group: 'apps', version: 'v1' },
  { module: 'apps/v1', kind: 'ControllerRevision', group: 'apps', version: 'v1' },
  { module: 'coordination/v1', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1' },
  { module: 'scheduling/v1', kind: 'PriorityClass', group: 'scheduling.k8s.io', version: 'v1' },
  { module: 'events/v1', kind: 'Event', group: 'events.k8s.io', version: 'v1' },
  { module: 'core/v1', kind: 'ServiceAccount', group: '', version: 'v1' },
  { module: 'core/v1', kind: 'ConfigMap', group: '', version: 'v1' },
  { module: 'core/v1', kind: 'Secret', group: '', version: 'v1' },
  { module: 'rbac/v1', kind: 'Role', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { module: 'rbac/v1', kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { module: 'rbac/v1', kind: 'RoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1' },
  { module: 'rbac/v1', kind: 'ClusterRoleBinding', group: 'rbac.authorization.k8s.io', version: 'v1' },
];

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Upstream's schemas for the apimachinery types kubernetes-types renders as plain strings or `{}`. */
const SPECIAL: Readonly<Record<string, (description: string) => OpenApiSchema>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': (description) => ({
    description,
    type: 'string',
    format: 'date-time',
  }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': (description) => ({
    description,
    type: 'string',
    format: 'date-time',
  }),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': (description) => ({
    description,
    oneOf: [{ type: 'string' }, { type: 'number' }],
  }),
  'io.k8s.apimachinery.pkg.runtime.RawExtension': (description) => ({ description, type: 'object' }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': (description) => ({ description, type: 'object' }),
  [INT_OR_STRING]: () => ({
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  }),
};

function refTo(name: string): string {
  return `#/components/schemas/${name}`;
}

/** Generates the schema map, keys sorted, from the kubernetes-types installed beside this project. */
export function generateSchemas(): Record<string, OpenApiSchema> {
  const require = createRequire(import.meta.url);
  const typesDir = dirname(require.resolve('kubernetes-types/package.json'));
  const files = Object.keys(PACKAGES).map((m) => join(typesDir, `${m}.d.ts`));
  const program = ts.createProgram(files, { noResolve: false, types: [] });
  const checker = program.getTypeChecker();

  const moduleOf = (file: string): string => relative(typesDir, file).replace(/\.d\.ts$/, '');
  const packageOf = (file: string): string => {
    const pkg = PACKAGES[moduleOf(file)];
    if (!pkg) throw new Error(`no OpenAPI package for ${file}`);
    return pkg;
  };
  const docOf = (node: ts.Node & { name?: ts.Node }): string => {
    const symbol = node.name ? checker.getSymbolAtLocation(node.name) : undefined;
    return symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() : '';
  };

  const out: Record<string, OpenApiSchema> = {};
  const pending: ts.Declaration[] = [];
  const seen = new Set<string>();
  const nameOf = (decl: ts.Declaration): string =>
    `${packageOf(decl.getSourceFile().fileName)}.${(decl as ts.DeclarationStatement).name?.getText() ?? ''}`;
  const enqueue = (decl: ts.Declaration): string => {
    const name = nameOf(decl);
    if (!seen.has(name)) {
      seen.add(name);
      pending.push(decl);
    }
    return name;
  };

  const schemaOf = (type: ts.TypeNode, where: string): OpenApiSchema => {
    switch (type.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.LiteralType:
        return { type: 'string' };
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: schemaOf((type as ts.ArrayTypeNode).elementType, where) };
      case ts.SyntaxKind.UnionType: {
        const kinds = (type as ts.UnionTypeNode).types.map((t) => t.kind).sort();
        if (kinds.join() === [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword].sort().join())
          return { $ref: refTo(INT_OR_STRING) };
        break;
      }
      case ts.SyntaxKind.TypeLiteral: {
        const members = (type as ts.TypeLiteralNode).members;
        const index = members[0];
        if (members.length === 1 && index && ts.isIndexSignatureDeclaration(index))
          return { type: 'object', additionalProperties: schemaOf(index.type, where) };
        break;
      }
      case ts.SyntaxKind.TypeReference: {
        const ref = type as ts.TypeReferenceNode;
        const arg = ref.typeArguments?.[0];
        if (ref.typeName.getText() === 'Array' && arg) return { type: 'array', items: schemaOf(arg, where) };
        let symbol = checker.getSymbolAtLocation(ref.typeName);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const decl = symbol?.declarations?.[0];
        if (decl && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)))
          return { $ref: refTo(enqueue(decl)) };
        break;
      }
      default:
        break;
    }
    throw new Error(`unsupported type ${type.getText()} at ${where}`);
  };

  /** A property's schema: references carry their own description, so they are wrapped in allOf. */
  const propertyOf = (member: ts.PropertySignature, where: string): OpenApiSchema => {
    if (!member.type) throw new Error(`untyped property at ${where}`);
    const schema = schemaOf(member.type, where);
    const description = docOf(member);
    const { $ref, ...rest } = schema;
    const withDoc: OpenApiSchema = $ref ? { allOf: [{ $ref }], ...rest } : { ...rest };
    return description ? { description, ...withDoc } : withDoc;
  };

  const build = (decl: ts.Declaration): OpenApiSchema => {
    const name = nameOf(decl);
    const description = docOf(decl as ts.Declaration & { name?: ts.Node });
    const special = SPECIAL[name];
    if (special) return special(description);
    if (!ts.isInterfaceDeclaration(decl)) throw new Error(`unsupported declaration ${name}`);
    const properties: Record<string, OpenApiSchema> = {};
    const required: string[] = [];
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member)) throw new Error(`unsupported member in ${name}`);
      const field = member.name.getText().replace(/^"(.*)"$/, '$1');
      properties[field] = propertyOf(member, `${name}.${field}`);
      if (!member.questionToken) required.push(field);
    }
    return {
      ...(description ? { description } : {}),
      type: 'object',
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(required.length > 0 ? { required } : {}),
    };
  };

  const findDecl = (module: string, name: string): ts.Declaration => {
    const source = program.getSourceFile(join(typesDir, `${module}.d.ts`));
    const decl = source?.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
    );
    if (!decl) throw new Error(`${name} not found in kubernetes-types/${module}`);
    return decl;
  };

  out[INT_OR_STRING] = SPECIAL[INT_OR_STRING]?.('') ?? {};
  seen.add(INT_OR_STRING);
  for (const root of ROOTS) enqueue(findDecl(root.module, root.kind));
  for (let decl = pending.shift(); decl; decl = pending.shift()) out[nameOf(decl)] = build(decl);
  for (const root of ROOTS) {
    const schema = out[`${PACKAGES[root.module] ?? ''}.${root.kind}`];
    if (schema)
      schema['x-kubernetes-group-version-kind'] = [
        { group: root.group, kind: root.kind, version: root.version },
      ];
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const SCHEMAS_FILE = fileURLToPath(
  new URL('../src/apiserver/schemas/kubernetes.json', import.meta.url),
);

/** The file's text: the schema map formatted the way `prettier --check` expects. */
export async function renderSchemasFile(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMAS_FILE)) ?? {};
  return prettier.format(JSON.stringify(generateSchemas()), { ...options, filepath: SCHEMAS_FILE });
}

async function main(): Promise<void> {
  const text = await renderSchemasFile();
  if (process.argv.includes('--check')) {
    const current = readFileSync(SCHEMAS_FILE, 'utf8');
    if (current !== text) {
      console.error(`${SCHEMAS_FILE} is out of date: run npx tsx scripts/generate-openapi-schemas.ts`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(SCHEMAS_FILE, text);
  console.log(`wrote ${SCHEMAS_FILE} (${Buffer.byteLength(text)} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
