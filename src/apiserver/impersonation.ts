/**
 * User impersonation (`kubectl --as=… --as-group=…`, `kubectl auth can-i … --as=…`), after
 * upstream's WithImpersonation filter: the `Impersonate-User`, `Impersonate-Group` and
 * `Impersonate-Uid` headers replace the request's user, provided the requester may `impersonate`
 * each of them — `users` (or `serviceaccounts` for `system:serviceaccount:NS:NAME`) and
 * `groups` in the core group, `uids` in `authentication.k8s.io`. A refusal is upstream's 403,
 * e.g. `users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group
 * "" at the cluster scope`. `Impersonate-Extra-*` headers are refused (400): everynode's users
 * carry no extra attributes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BadRequestError } from '../api/errors.js';
import type { User } from './authentication.js';
import {
  AUTHENTICATED_GROUP,
  SERVICE_ACCOUNTS_GROUP,
  parseServiceAccountUserName,
} from './authentication.js';
import type { Authorizer } from './rbac.js';
import { forbiddenError } from './rbac.js';
import type { ResourceRequestInfo } from '../api/request-info.js';

const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

function values(h: string | string[] | undefined): string[] {
  if (h === undefined) return [];
  return Array.isArray(h) ? h : [h];
}

/**
 * The user a request acts as: `user` itself without impersonation headers, else the
 * impersonated user after every impersonation was authorized (403 otherwise). Impersonated
 * users are in `system:authenticated` (unless a group says otherwise), and service accounts in
 * their `system:serviceaccounts` groups when no group is given.
 */
export function impersonatedUser(
  user: User,
  headers: IncomingHttpHeaders,
  authorizer: Authorizer | undefined,
): User {
  const name = values(headers['impersonate-user'])[0];
  const groups = values(headers['impersonate-group']);
  const uid = values(headers['impersonate-uid'])[0];
  const extras = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (name === undefined && groups.length === 0 && uid === undefined && extras.length === 0) return user;
  if (name === undefined || name === '') {
    throw new BadRequestError(
      'requested impersonation of groups, a uid or extra attributes without impersonating a user',
    );
  }
  if (extras.length > 0) throw new BadRequestError('impersonating extra user attributes is not supported');
  const check = (
    attrs: Omit<ResourceRequestInfo, 'isResourceRequest' | 'verb' | 'apiVersion' | 'subresource'>,
  ): void => {
    if (!authorizer) return;
    const request: ResourceRequestInfo = {
      isResourceRequest: true,
      verb: 'impersonate',
      apiVersion: '',
      subresource: '',
      ...attrs,
    };
    const decision = authorizer.authorize(user, request);
    if (!decision.allowed) throw forbiddenError(user, request, decision.reason);
  };
  const sa = parseServiceAccountUserName(name);
  if (sa) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else check({ apiGroup: '', resource: 'users', namespace: '', name });
  for (const g of groups) check({ apiGroup: '', resource: 'groups', namespace: '', name: g });
  if (uid !== undefined)
    check({ apiGroup: 'authentication.k8s.io', resource: 'uids', namespace: '', name: uid });

  const out = [...groups];
  if (sa && groups.length === 0)
    out.push(SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${sa.namespace}`);
  if (
    name !== 'system:anonymous' &&
    !out.includes(AUTHENTICATED_GROUP) &&
    !out.includes(UNAUTHENTICATED_GROUP)
  )
    out.push(AUTHENTICATED_GROUP);
  return { name, groups: out, ...(uid !== undefined ? { uid } : {}) };
}
