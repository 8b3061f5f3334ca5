/**
 * The self-review APIs: create-only, never stored, answered from the requesting user and the
 * authorizer. `SelfSubjectAccessReview` (`kubectl auth can-i VERB RESOURCE`),
 * `SelfSubjectRulesReview` (`kubectl auth can-i --list`) and `SelfSubjectReview`
 * (`kubectl auth whoami`), after upstream's pkg/registry/authorization and authentication.
 */
import type {
  NonResourceRule,
  ResourceRule,
  SelfSubjectAccessReview,
  SelfSubjectRulesReview,
} from 'kubernetes-types/authorization/v1.js';
import type { SelfSubjectReview } from 'kubernetes-types/authentication/v1.js';
import { BadRequestError, InvalidError, fieldErrors } from '../api/errors.js';
import type { User } from './authentication.js';
import type { Authorizer } from './rbac.js';
import type { RequestInfo } from '../api/request-info.js';

/** kubernetes-types 1.30 lacks `verbs` and `resources` of ResourceRule; the wire has them. */
interface WireResourceRule extends ResourceRule {
  verbs: string[];
  resources?: string[];
}

/** The review kinds, as discovery lists them and the router recognises them. */
export interface ReviewResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
}

export const reviewResources: readonly ReviewResource[] = [
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectrulesreviews',
    kind: 'SelfSubjectRulesReview',
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    kind: 'SelfSubjectReview',
  },
];

/** The review kind a request addresses (a collection, cluster-scoped), if any. */
export function reviewResourceOf(info: RequestInfo): ReviewResource | undefined {
  if (!info.isResourceRequest || info.namespace !== '' || info.name !== '') return undefined;
  return reviewResources.find(
    (r) => r.group === info.apiGroup && r.version === info.apiVersion && r.resource === info.resource,
  );
}

function checkKind(body: { kind?: unknown } | null | undefined, kind: string): void {
  if (body === null || typeof body !== 'object')
    throw new BadRequestError('the request body must be an object');
  if (body.kind !== undefined && body.kind !== kind)
    throw new BadRequestError(`the kind of the object (${JSON.stringify(body.kind)}) must be ${kind}`);
}

/**
 * SelfSubjectAccessReview create: exactly one of `spec.resourceAttributes` and
 * `spec.nonResourceAttributes` (else 422), decided by `authorizer` for `user`; `status.allowed`
 * and the authorizer's reason.
 */
export function selfSubjectAccessReview(
  authorizer: Authorizer,
  user: User,
  body: unknown,
): SelfSubjectAccessReview {
  const review = body as SelfSubjectAccessReview;
  checkKind(review, 'SelfSubjectAccessReview');
  const ra = review.spec?.resourceAttributes ?? undefined;
  const nra = review.spec?.nonResourceAttributes ?? undefined;
  if (ra && nra) {
    throw new InvalidError('SelfSubjectAccessReview', 'authorization.k8s.io', '', [
      fieldErrors.invalid(
        'spec.nonResourceAttributes',
        nra,
        'cannot be specified in combination with resourceAttributes',
      ),
    ]);
  }
  if (!ra && !nra) {
    throw new InvalidError('SelfSubjectAccessReview', 'authorization.k8s.io', '', [
      fieldErrors.invalid(
        'spec.resourceAttributes',
        null,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ]);
  }
  const request: RequestInfo = ra
    ? {
        isResourceRequest: true,
        verb: ra.verb ?? '',
        apiGroup: ra.group ?? '',
        apiVersion: ra.version ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource ?? '',
        namespace: ra.namespace ?? '',
        name: ra.name ?? '',
      }
    : { isResourceRequest: false, verb: nra?.verb ?? '', path: nra?.path ?? '' };
  const decision = authorizer.authorize(user, request);
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null as unknown as string },
    spec: review.spec,
    status: { allowed: decision.allowed, ...(decision.reason !== '' ? { reason: decision.reason } : {}) },
  };
}

/**
 * SelfSubjectRulesReview create: the rules that apply to `user` in `spec.namespace`, split into
 * resource and non-resource rules; `incomplete` with an `evaluationError` when a binding names a
 * missing role.
 */
export function selfSubjectRulesReview(
  rulesFor: NonNullable<Authorizer['rulesFor']>,
  user: User,
  body: unknown,
): SelfSubjectRulesReview {
  const review = body as SelfSubjectRulesReview;
  checkKind(review, 'SelfSubjectRulesReview');
  const namespace = review.spec?.namespace ?? '';
  if (namespace === '') {
    throw new InvalidError('SelfSubjectRulesReview', 'authorization.k8s.io', '', [
      fieldErrors.required('spec.namespace'),
    ]);
  }
  const { rules, errors } = rulesFor(user, namespace);
  const resourceRules: WireResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rules) {
    if ((r.resources ?? []).length > 0) {
      resourceRules.push({
        verbs: [...r.verbs],
        apiGroups: [...(r.apiGroups ?? [])],
        resources: [...(r.resources ?? [])],
        ...(r.resourceNames && r.resourceNames.length > 0 ? { resourceNames: [...r.resourceNames] } : {}),
      });
    }
    if ((r.nonResourceURLs ?? []).length > 0)
      nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...(r.nonResourceURLs ?? [])] });
  }
  const evaluationError =
    errors.length === 1 ? errors[0] : errors.length > 1 ? `[${errors.join(', ')}]` : undefined;
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null as unknown as string },
    spec: { namespace },
    status: {
      resourceRules,
      nonResourceRules,
      incomplete: errors.length > 0,
      ...(evaluationError !== undefined ? { evaluationError } : {}),
    },
  };
}

/** SelfSubjectReview create: who the request authenticated as. */
export function selfSubjectReview(user: User, body: unknown): SelfSubjectReview {
  checkKind(body as { kind?: unknown }, 'SelfSubjectReview');
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null as unknown as string },
    status: {
      userInfo: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups] },
    },
  };
}
