/**
 * Authentication: who a bearer token stands for. The API server asks its {@link Authenticator}
 * once per request; a token nobody recognises is a 401. Implementations: {@link StaticTokens}
 * (the admin token of `everynode up`), ServiceAccount JWTs (service-account-tokens.ts), and
 * {@link unionAuthenticator} to try several in turn.
 */

/** An authenticated identity, as upstream's user.Info. */
export interface User {
  readonly name: string;
  readonly groups: readonly string[];
  /** The ServiceAccount's uid for service account users. */
  readonly uid?: string;
}

/** Every authenticated user's group. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
/** The group whose members may do anything; authorization is not consulted. */
export const MASTERS_GROUP = 'system:masters';
/** The group of every ServiceAccount, and the prefix of each namespace's group. */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:NS:NAME`: the user name of a ServiceAccount. */
export function serviceAccountUserName(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** The namespace and name of a ServiceAccount user name, or undefined for other users. */
export function parseServiceAccountUserName(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const rest = user.slice(SERVICE_ACCOUNT_PREFIX.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
}

/**
 * Maps a bearer token to a user, or undefined when the token is not valid (expired, revoked,
 * unknown). May be asynchronous (signature checks); must not throw for a bad token.
 */
export interface Authenticator {
  authenticate(token: string): User | undefined | Promise<User | undefined>;
}

/** `user` with {@link AUTHENTICATED_GROUP} added once (the same object when it already has it). */
export function withAuthenticatedGroup(user: User): User {
  return user.groups.includes(AUTHENTICATED_GROUP)
    ? user
    : { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

/** Fixed tokens, e.g. the admin token written into the kubeconfig. */
export class StaticTokens implements Authenticator {
  private readonly tokens = new Map<string, User>();
  add(token: string, user: User): void {
    this.tokens.set(token, withAuthenticatedGroup(user));
  }
  authenticate(token: string): User | undefined {
    return this.tokens.get(token);
  }
}

/** Tries each authenticator in order; the first user found wins. */
export function unionAuthenticator(...authenticators: readonly Authenticator[]): Authenticator {
  return {
    async authenticate(token) {
      for (const a of authenticators) {
        const user = await a.authenticate(token);
        if (user) return user;
      }
      return undefined;
    },
  };
}
