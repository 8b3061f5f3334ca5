/**
 * ServiceAccount tokens: the TokenRequest API (`POST …/serviceaccounts/<name>/token`, what
 * `kubectl create token` calls) and the authenticator that accepts the tokens it issues.
 *
 * Tokens are ES256 JWTs with upstream's claims (`iss`, `sub: system:serviceaccount:NS:NAME`,
 * `aud`, `exp`, `iat`, `nbf`, `jti`, `kubernetes.io: {namespace, serviceaccount: {name, uid}}`),
 * signed with an ECDSA P-256 key that `everynode up` keeps in `<data-dir>/pki/sa.key`, so tokens
 * outlive restarts. A token authenticates only while it is unexpired, carries one of the API
 * server's audiences, and its ServiceAccount still exists with the same uid and no
 * deletionTimestamp: deleting the ServiceAccount revokes every token issued for it.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { BadRequestError, InvalidError, NotFoundError, fieldErrors } from '../api/errors.js';
import type { FieldError } from '../api/errors.js';
import { resources } from '../api/resources.js';
import type { StoreReader } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { rfc3339 } from '../util/clock.js';
import type { Authenticator, User } from './authentication.js';
import { AUTHENTICATED_GROUP, SERVICE_ACCOUNTS_GROUP, serviceAccountUserName } from './authentication.js';

/** Upstream's default `--service-account-issuer`, also the default API audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** `spec.expirationSeconds` when a TokenRequest leaves it out (SetDefaults_TokenRequestSpec). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** Shortest validity a TokenRequest may ask for (ValidateTokenRequest). */
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** Verified tokens remembered, so a busy client costs one signature check, not one per request. */
const VERIFIED_CACHE_SIZE = 4096;

export interface ServiceAccountTokensOptions {
  /** Where ServiceAccounts are looked up, on every issue and every authentication. */
  readonly store: StoreReader;
  /** `iat`/`nbf`/`exp` of issued tokens and the expiry check. */
  readonly clock: Clock;
  /** PKCS#8 PEM of the ECDSA P-256 signing key (see {@link loadOrCreateSigningKey}). */
  readonly signingKeyPem: string;
  /** `iss` of issued tokens, required of presented ones. Default {@link DEFAULT_ISSUER}. */
  readonly issuer?: string;
  /** Audiences the API server accepts, and the default of a TokenRequest. Default `[issuer]`. */
  readonly apiAudiences?: readonly string[];
}

interface Verified {
  readonly user: User;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** ms since the epoch. */
  readonly notBefore: number;
  readonly expires: number;
}

interface PrivateClaims {
  readonly namespace?: unknown;
  readonly serviceaccount?: { readonly name?: unknown; readonly uid?: unknown };
}

/** A new ECDSA P-256 signing key as PKCS#8 PEM. */
export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The signing key at `path` (PKCS#8 PEM), created with mode 0600 on first use and kept: tokens
 * issued before a restart stay valid. Written to a temporary name and renamed.
 */
export function loadOrCreateSigningKey(path: string): string {
  if (existsSync(path)) {
    const pem = readFileSync(path, 'utf8');
    if (pem.includes('PRIVATE KEY')) return pem;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const pem = generateSigningKey();
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600 });
  renameSync(tmp, path);
  chmodSync(path, 0o600);
  return pem;
}

export class ServiceAccountTokens implements Authenticator {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly keyId: string;
  private readonly issuer: string;
  private readonly audiences: readonly string[];
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly options: ServiceAccountTokensOptions) {
    this.privateKey = createPrivateKey(options.signingKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    // Upstream's key id: the unpadded base64url SHA-256 of the DER public key.
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    this.keyId = createHash('sha256').update(der).digest('base64url');
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audiences = options.apiAudiences ?? [this.issuer];
  }

  /**
   * The TokenRequest REST create of `serviceaccounts/<name>/token` in `namespace`: `body` is the
   * decoded TokenRequest. Audiences default to the API audiences, `expirationSeconds` to 3600
   * (at least 600: `spec.expirationSeconds: Invalid value: 599: may not specify a duration less
   * than 10 minutes`, 422). The ServiceAccount must exist (404). Bound object references are not
   * supported (400). Returns the TokenRequest with `status.token` and `status.expirationTimestamp`.
   */
  async issue(namespace: string, name: string, body: unknown): Promise<TokenRequest> {
    const req = (body ?? {}) as Partial<TokenRequest>;
    if (req.kind !== undefined && req.kind !== 'TokenRequest') {
      throw new BadRequestError(`the kind of the object (${String(req.kind)}) must be TokenRequest`);
    }
    const metaErrs: FieldError[] = [];
    if (req.metadata?.name && req.metadata.name !== name) {
      metaErrs.push(
        fieldErrors.invalid(
          'metadata.name',
          req.metadata.name,
          'must match the service account name if specified',
        ),
      );
    } else if (req.metadata?.namespace && req.metadata.namespace !== namespace) {
      metaErrs.push(
        fieldErrors.invalid(
          'metadata.namespace',
          req.metadata.namespace,
          'must match the service account namespace if specified',
        ),
      );
    }
    if (metaErrs.length > 0) throw new InvalidError('TokenRequest', 'authentication.k8s.io', name, metaErrs);
    const sa = this.options.store.get(resources.serviceaccounts, namespace, name);
    if (!sa) throw new NotFoundError('serviceaccounts', '', name);
    const spec = req.spec ?? { audiences: [] };
    const audiences = spec.audiences && spec.audiences.length > 0 ? [...spec.audiences] : [...this.audiences];
    const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const errs: FieldError[] = [];
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION_SECONDS) {
      errs.push(
        fieldErrors.invalid(
          'spec.expirationSeconds',
          expirationSeconds,
          'may not specify a duration less than 10 minutes',
        ),
      );
    }
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
      errs.push(
        fieldErrors.invalid(
          'spec.expirationSeconds',
          expirationSeconds,
          'may not specify a duration larger than 2^32 seconds',
        ),
      );
    }
    if (errs.length > 0) throw new InvalidError('TokenRequest', 'authentication.k8s.io', '', errs);
    if (spec.boundObjectRef) {
      throw new BadRequestError(
        `cannot bind token for serviceaccount "${name}" to object of type ${spec.boundObjectRef.kind ?? ''}: bound tokens are not supported by everynode`,
      );
    }
    const nowSeconds = Math.floor(this.options.clock.now() / 1000);
    const exp = nowSeconds + expirationSeconds;
    const token = await new SignJWT({
      'kubernetes.io': {
        namespace,
        serviceaccount: { name, uid: sa.metadata?.uid ?? '' },
      },
    })
      .setProtectedHeader({ alg: 'ES256', kid: this.keyId })
      .setIssuer(this.issuer)
      .setSubject(serviceAccountUserName(namespace, name))
      .setAudience(audiences)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(nowSeconds * 1000) },
      // Upstream answers `boundObjectRef: null`.
      spec: { audiences, expirationSeconds, boundObjectRef: null } as unknown as TokenRequest['spec'],
      status: { token, expirationTimestamp: rfc3339(exp * 1000) },
    };
  }

  /**
   * The ServiceAccount user of a token this issuer signed for one of the API audiences, while it
   * is valid and its ServiceAccount exists with the uid it names; undefined otherwise. Groups:
   * `system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`.
   */
  async authenticate(token: string): Promise<User | undefined> {
    if (token.split('.').length !== 3) return undefined;
    const now = this.options.clock.now();
    let v = this.verified.get(token);
    if (v === undefined) {
      v = await this.verify(token, now);
      if (v === undefined) return undefined;
      if (this.verified.size >= VERIFIED_CACHE_SIZE) {
        const oldest = this.verified.keys().next();
        if (!oldest.done) this.verified.delete(oldest.value);
      }
      this.verified.set(token, v);
    }
    if (now >= v.expires) {
      this.verified.delete(token);
      return undefined;
    }
    if (now < v.notBefore) return undefined;
    const sa: ServiceAccount | undefined = this.options.store.get(
      resources.serviceaccounts,
      v.namespace,
      v.name,
    );
    if (!sa || sa.metadata?.uid !== v.uid || sa.metadata.deletionTimestamp) return undefined;
    return v.user;
  }

  private async verify(token: string, now: number): Promise<Verified | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: [...this.audiences],
        algorithms: ['ES256'],
        currentDate: new Date(now),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch {
      return undefined;
    }
    const k8s = payload['kubernetes.io'] as PrivateClaims | undefined;
    const namespace = k8s?.namespace;
    const name = k8s?.serviceaccount?.name;
    const uid = k8s?.serviceaccount?.uid;
    if (typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string')
      return undefined;
    const userName = serviceAccountUserName(namespace, name);
    if (payload.sub !== userName) return undefined;
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
    const nbf = typeof payload.nbf === 'number' ? payload.nbf * 1000 : 0;
    return {
      user: {
        name: userName,
        uid,
        groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, AUTHENTICATED_GROUP],
      },
      namespace,
      name,
      uid,
      notBefore: nbf,
      expires: exp,
    };
  }
}
