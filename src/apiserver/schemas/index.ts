/**
 * The OpenAPI v3 schemas of the kinds everynode serves (`components.schemas`, upstream names such
 * as `io.k8s.api.apps.v1.DaemonSet`), generated from kubernetes-types by
 * `scripts/generate-openapi-schemas.ts` into `kubernetes.json`. Served to `kubectl explain` and
 * walked by field validation.
 */
import raw from './kubernetes.json' with { type: 'json' };

/** One OpenAPI v3 schema, in the subset the generated file uses. */
export interface OpenApiSchema {
  readonly description?: string;
  readonly type?: string;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  readonly required?: readonly string[];
  readonly items?: OpenApiSchema;
  readonly additionalProperties?: OpenApiSchema;
  readonly allOf?: readonly OpenApiSchema[];
  readonly oneOf?: readonly OpenApiSchema[];
  readonly $ref?: string;
  readonly 'x-kubernetes-group-version-kind'?: readonly {
    readonly group: string;
    readonly kind: string;
    readonly version: string;
  }[];
}

/** Every schema by name. */
export const schemas: Readonly<Record<string, OpenApiSchema>> = raw;
