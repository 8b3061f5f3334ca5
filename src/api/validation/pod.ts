/**
 * Pod and PodSpec validation (pkg/apis/core/validation): the rules a user of pods and pod
 * templates actually hits, with upstream's field paths and messages. Runs after defaulting, so
 * fields the defaulter fills (restartPolicy, dnsPolicy, imagePullPolicy, …) are required here.
 */
import type {
  Container,
  ContainerPort,
  EnvVar,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PodSpec,
  PodTemplateSpec,
  ResourceRequirements,
  Toleration,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { fieldErrors, formatFieldValue } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from '../names.js';
import type { Quantity } from '../quantity.js';
import { parseQuantity } from '../quantity.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  asString,
  child,
  dedupe,
  index,
  key,
  nameIsDNSSubdomain,
  semanticEqual,
  validateAnnotations,
  validateDNS1123Label,
  validateLabelName,
  validateLabels,
  validateNonnegative,
} from './util.js';

/** Options of {@link validatePodSpec}, after upstream's `PodValidationOptions`. */
export interface PodSpecValidationOptions {
  /**
   * True for a Pod (not a pod template): with `hostNetwork`, every `hostPort` must then equal its
   * `containerPort`; in templates an unset (0) hostPort is also accepted.
   */
  readonly resourceIsPod?: boolean;
}

const MaxInt32 = 2147483647;

const supportedRestartPolicies = ['Always', 'OnFailure', 'Never'];
const supportedDNSPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const supportedPullPolicies = ['Always', 'IfNotPresent', 'Never'];
const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];
const supportedTerminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const supportedTaintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const supportedPreemptionPolicies = ['PreemptLowerPriority', 'Never'];
const supportedPodPhases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const supportedHostPathTypes = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

/** `IsValidPortNum`. */
function portNumErrors(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? []
    : ['must be between 1 and 65535, inclusive'];
}

/** `IsValidPortName` (IANA_SVC_NAME). */
function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name))
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** `IsRelaxedEnvVarName` (the rule since RelaxedEnvironmentVariableValidation went GA). */
function envVarNameErrors(name: string): string[] {
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0x7e || ch === '=') {
      return [
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      ];
    }
  }
  return [];
}

/** Required, and one of `supported`, at `parent.field` (the path is built only for an error). */
function enumErrors(
  value: string | undefined,
  parent: string,
  field: string,
  supported: readonly string[],
): FieldError[] {
  const v = value ?? '';
  if (v === '') return [fieldErrors.required(child(parent, field))];
  return supported.includes(v) ? [] : [fieldErrors.notSupported(child(parent, field), v, supported)];
}

// ---------------------------------------------------------------------------------------------
// Volumes

/** `ValidateVolumes` (names and exactly one source; hostPath details). Returns the volume names. */
function validateVolumes(
  volumes: readonly Volume[] | undefined,
  path: string,
): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((vol, i) => {
    const idx = index(path, i);
    const sources = Object.keys(vol).filter(
      (k) => k !== 'name' && (vol as unknown as Record<string, unknown>)[k] != null,
    );
    if (sources.length === 0) {
      errs.push(fieldErrors.required(idx, 'must specify a volume type'));
    } else if (sources.length > 1) {
      for (const s of sources.slice(1))
        errs.push(fieldErrors.forbidden(child(idx, s), 'may not specify more than 1 volume type'));
    }
    if (vol.hostPath) {
      if (asString(vol.hostPath.path) === '') errs.push(fieldErrors.required(child(idx, 'hostPath', 'path')));
      const t = vol.hostPath.type ?? '';
      if (!supportedHostPathTypes.includes(t)) {
        errs.push(fieldErrors.notSupported(child(idx, 'hostPath', 'type'), t, supportedHostPathTypes));
      }
    }
    const name = asString(vol.name);
    const namePath = child(idx, 'name');
    if (name === '') errs.push(fieldErrors.required(namePath));
    else errs.push(...validateDNS1123Label(name, namePath));
    if (names.has(name)) errs.push(fieldErrors.duplicate(namePath, name));
    else if (name !== '') names.add(name);
  });
  return { names, errs };
}

function validateVolumeMounts(
  mounts: readonly VolumeMount[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const idx = index(path, i);
    const name = asString(m.name);
    if (name === '') errs.push(fieldErrors.required(child(idx, 'name')));
    if (!volumes.has(name)) errs.push(fieldErrors.notFound(child(idx, 'name'), name));
    const mountPath = asString(m.mountPath);
    if (mountPath === '') errs.push(fieldErrors.required(child(idx, 'mountPath')));
    if (mountPaths.has(mountPath))
      errs.push(fieldErrors.invalid(child(idx, 'mountPath'), mountPath, 'must be unique'));
    mountPaths.add(mountPath);
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Containers

function validateContainerPorts(ports: readonly ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const idx = index(path, i);
    const name = asString(port.name);
    if (name !== '') {
      const msgs = portNameErrors(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(fieldErrors.invalid(child(idx, 'name'), name, m));
      else if (names.has(name)) errs.push(fieldErrors.duplicate(child(idx, 'name'), name));
      else names.add(name);
    }
    const containerPort = port.containerPort ?? 0;
    if (containerPort === 0) errs.push(fieldErrors.required(child(idx, 'containerPort')));
    else
      for (const m of portNumErrors(containerPort))
        errs.push(fieldErrors.invalid(child(idx, 'containerPort'), containerPort, m));
    const hostPort = port.hostPort ?? 0;
    if (hostPort !== 0)
      for (const m of portNumErrors(hostPort))
        errs.push(fieldErrors.invalid(child(idx, 'hostPort'), hostPort, m));
    errs.push(...enumErrors(port.protocol, idx, 'protocol', supportedPortProtocols));
  });
  return errs;
}

function validateEnv(env: readonly EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((ev, i) => {
    const idx = index(path, i);
    const name = asString(ev.name);
    if (name === '') errs.push(fieldErrors.required(child(idx, 'name')));
    else for (const m of envVarNameErrors(name)) errs.push(fieldErrors.invalid(child(idx, 'name'), name, m));
    if (ev.valueFrom != null && asString(ev.value) !== '') {
      errs.push(
        fieldErrors.invalid(child(idx, 'valueFrom'), '', 'may not be specified when `value` is not empty'),
      );
    }
  });
  return errs;
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** `validateContainerResourceName`. */
function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateLabelName(name, path);
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(fieldErrors.invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (
    !isNativeResource(name) &&
    (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)
  ) {
    errs.push(fieldErrors.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Unprefixed names and `*kubernetes.io/` names are native; the rest are extended resources. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

type ParsedQuantity = Quantity;

/** Parses one quantity of a resource list, collecting the parse and sign errors. */
function checkQuantity(raw: unknown, path: string, errs: FieldError[]): ParsedQuantity | undefined {
  const s = asString(raw);
  let q: ParsedQuantity;
  try {
    q = parseQuantity(s);
  } catch (e) {
    errs.push(fieldErrors.invalid(path, s, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  if (q.sign() < 0) errs.push(fieldErrors.invalid(path, q.toString(), 'must be greater than or equal to 0'));
  return q;
}

/** Requests may be below limits for native resources except hugepages (upstream `IsOvercommitAllowed`). */
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

/**
 * `ValidateResourceRequirements` for a container: standard resource names, parseable and
 * non-negative quantities at `resources.limits[cpu]` / `resources.requests[cpu]`, and
 * `resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`.
 */
function validateResources(res: ResourceRequirements | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const limits = new Map<string, ParsedQuantity>();
  for (const [name, raw] of Object.entries(res?.limits ?? {})) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const q = checkQuantity(raw, p, errs);
    if (q) limits.set(name, q);
  }
  for (const [name, raw] of Object.entries(res?.requests ?? {})) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const q = checkQuantity(raw, p, errs);
    if (!q) continue;
    const limit = limits.get(name);
    if (limit) {
      if (q.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(
          fieldErrors.invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`),
        );
      } else if (q.cmp(limit) > 0) {
        errs.push(
          fieldErrors.invalid(
            reqPath,
            q.toString(),
            `must be less than or equal to ${name} limit of ${limit.toString()}`,
          ),
        );
      }
    } else if (!isOvercommitAllowed(name) && !(name in (res?.limits ?? {}))) {
      errs.push(fieldErrors.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

/** `validateContainerCommon`: name, image, termination message policy, ports, env, mounts, pull policy, resources. */
function validateContainerCommon(ctr: Container, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asString(ctr.name);
  const namePath = child(path, 'name');
  if (name === '') errs.push(fieldErrors.required(namePath));
  else errs.push(...validateDNS1123Label(name, namePath));
  if (asString(ctr.image) === '') errs.push(fieldErrors.required(child(path, 'image')));
  errs.push(
    ...enumErrors(
      ctr.terminationMessagePolicy,
      path,
      'terminationMessagePolicy',
      supportedTerminationMessagePolicies,
    ),
  );
  // Absent lists pass: their paths are not built (every container of every pod comes here).
  if (ctr.ports) errs.push(...validateContainerPorts(ctr.ports, child(path, 'ports')));
  if (ctr.env) errs.push(...validateEnv(ctr.env, child(path, 'env')));
  if (ctr.volumeMounts)
    errs.push(...validateVolumeMounts(ctr.volumeMounts, volumes, child(path, 'volumeMounts')));
  errs.push(...enumErrors(ctr.imagePullPolicy, path, 'imagePullPolicy', supportedPullPolicies));
  if (ctr.resources) errs.push(...validateResources(ctr.resources, child(path, 'resources')));
  return errs;
}

/** `checkHostPortConflicts`: the same hostIP/protocol/hostPort twice is a Duplicate at the list path. */
function checkHostPortConflicts(containers: readonly Container[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const ctr of containers) {
    for (const port of ctr.ports ?? []) {
      const hostPort = port.hostPort ?? 0;
      if (hostPort === 0) continue;
      const s = `${port.hostIP ?? ''}/${port.protocol ?? ''}/${hostPort}`;
      if (seen.has(s)) errs.push(fieldErrors.duplicate(path, s));
      else seen.add(s);
    }
  }
  return errs;
}

/**
 * Frozen container lists found valid, none mounting a volume: valid whatever the pod's volumes and
 * path. Stored objects are deep-frozen, so such a list cannot change; pods made from one template
 * share one (see `defaultPod`), and every later pod skips its validation.
 */
const validContainerLists = new WeakSet<readonly Container[]>();

/** Frozen toleration lists found valid (as {@link validContainerLists}). */
const validTolerationLists = new WeakSet<readonly Toleration[]>();

function mountsNoVolume(c: Container): boolean {
  return !c.volumeMounts || c.volumeMounts.length === 0;
}

function validateContainers(
  containers: readonly Container[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  if (containers !== undefined && validContainerLists.has(containers)) return [];
  const errs = validateContainerList(containers, volumes, path);
  if (errs.length === 0 && containers !== undefined && Object.isFrozen(containers)) {
    if (containers.every(mountsNoVolume)) validContainerLists.add(containers);
  }
  return errs;
}

function validateContainerList(
  containers: readonly Container[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  const list = containers ?? [];
  const errs: FieldError[] = [];
  if (list.length === 0) errs.push(fieldErrors.required(path));
  const names = new Set<string>();
  list.forEach((ctr, i) => {
    const idx = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, idx));
    const name = asString(ctr.name);
    if (names.has(name)) errs.push(fieldErrors.duplicate(child(idx, 'name'), name));
    else names.add(name);
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(
  inits: readonly Container[] | undefined,
  containers: readonly Container[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  // Most pods have no init containers: nothing to check, no name set to build.
  if (!inits || inits.length === 0) return [];
  const errs: FieldError[] = [];
  const names = new Set((containers ?? []).map((c) => asString(c.name)));
  (inits ?? []).forEach((ctr, i) => {
    const idx = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, idx));
    const name = asString(ctr.name);
    if (names.has(name)) errs.push(fieldErrors.duplicate(child(idx, 'name'), name));
    else names.add(name);
  });
  errs.push(...checkHostPortConflicts(inits, path));
  return errs;
}

/** `validatePodHostNetworkDeps`: with hostNetwork, a hostPort must equal its containerPort. */
function validateHostNetwork(spec: PodSpec, path: string, resourceIsPod: boolean): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  const check = (containers: readonly Container[] | undefined, listPath: string): void => {
    (containers ?? []).forEach((ctr, i) => {
      (ctr.ports ?? []).forEach((port, j) => {
        const hp = port.hostPort ?? 0;
        const cp = port.containerPort ?? 0;
        if ((resourceIsPod || hp !== 0) && hp !== cp) {
          errs.push(
            fieldErrors.invalid(
              child(index(child(index(listPath, i), 'ports'), j), 'hostPort'),
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  };
  check(spec.initContainers, child(path, 'initContainers'));
  check(spec.containers, child(path, 'containers'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Scheduling fields

/**
 * `validateTaintEffect`: one of NoSchedule, PreferNoSchedule, NoExecute (NotSupported otherwise);
 * an empty effect is Required unless `allowEmpty`.
 */
export function validateTaintEffect(
  effect: string | undefined,
  allowEmpty: boolean,
  path: string,
): FieldError[] {
  const e = effect ?? '';
  if (e === '') return allowEmpty ? [] : [fieldErrors.required(path)];
  return supportedTaintEffects.includes(e) ? [] : [fieldErrors.notSupported(path, e, supportedTaintEffects)];
}

/**
 * `ValidateTolerations`: key is a label name; an empty key needs operator Exists
 * (`operator must be Exists when \`key\` is empty, which means "match all values and all keys"`);
 * `tolerationSeconds` only with effect NoExecute; Equal values are label values; Exists takes no
 * value (`value must be empty when \`operator\` is 'Exists'`); operators Equal/Exists; effects
 * NoSchedule/PreferNoSchedule/NoExecute.
 */
export function validateTolerations(
  tolerations: readonly Toleration[] | undefined,
  path: string,
): FieldError[] {
  if (tolerations !== undefined && validTolerationLists.has(tolerations)) return [];
  const errs = validateTolerationList(tolerations, path);
  if (errs.length === 0 && tolerations !== undefined && Object.isFrozen(tolerations)) {
    validTolerationLists.add(tolerations);
  }
  return errs;
}

function validateTolerationList(tolerations: readonly Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = tolerations ?? [];
  // Every pod carries several tolerations (a daemon pod at least five): the field paths are
  // built only for an error, and the common checks avoid intermediate arrays.
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as Toleration;
    const k = asString(t.key);
    const op = asString(t.operator);
    const value = asString(t.value);
    if (k !== '') {
      for (const m of isQualifiedName(k)) errs.push(fieldErrors.invalid(elementChild(path, i, 'key'), k, m));
    }
    if (k === '' && op !== 'Exists') {
      errs.push(
        fieldErrors.invalid(
          elementChild(path, i, 'operator'),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
      errs.push(
        fieldErrors.invalid(
          elementChild(path, i, 'effect'),
          asString(t.effect),
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0)
          errs.push(fieldErrors.invalid(elementChild(path, i, 'operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value !== '') {
          errs.push(
            fieldErrors.invalid(
              elementChild(path, i, 'operator'),
              t,
              "value must be empty when `operator` is 'Exists'",
            ),
          );
        }
        break;
      default:
        errs.push(fieldErrors.notSupported(elementChild(path, i, 'operator'), op, ['Equal', 'Exists']));
    }
    // validateTaintEffect with an empty effect allowed: only an unsupported one is an error (the
    // path is built for it alone).
    const effect = asString(t.effect);
    if (effect !== '' && !supportedTaintEffects.includes(effect))
      errs.push(...validateTaintEffect(effect, true, elementChild(path, i, 'effect')));
  }
  return errs;
}

/** `path[i].name`, for an error found in a list element. */
function elementChild(path: string, i: number, name: string): string {
  return child(index(path, i), name);
}

function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(
          fieldErrors.required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"),
        );
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          fieldErrors.forbidden(
            child(path, 'values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(
          fieldErrors.required(
            child(path, 'values'),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      }
      break;
    default:
      errs.push(
        fieldErrors.invalid(child(path, 'operator'), asString(rq.operator), 'not a valid selector operator'),
      );
  }
  errs.push(...validateLabelName(asString(rq.key), child(path, 'key')));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(v))
      errs.push(fieldErrors.invalid(index(child(path, 'values'), i), v, m));
  });
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(
        fieldErrors.required(
          child(path, 'values'),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  } else {
    errs.push(
      fieldErrors.invalid(child(path, 'operator'), asString(rq.operator), 'not a valid selector operator'),
    );
  }
  if (rq.key !== 'metadata.name') {
    errs.push(fieldErrors.invalid(child(path, 'key'), asString(rq.key), 'not a valid field selector key'));
  } else {
    values.forEach((v, i) => {
      for (const m of nameIsDNSSubdomain(v, false))
        errs.push(fieldErrors.invalid(index(child(path, 'values'), i), v, m));
    });
  }
  return errs;
}

/** `ValidateNodeSelectorTerm`: matchExpressions on labels, matchFields on `metadata.name` only. */
export function validateNodeSelectorTerm(term: NodeSelectorTerm, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (term.matchExpressions ?? []).forEach((rq, j) => {
    errs.push(...validateNodeSelectorRequirement(rq, index(child(path, 'matchExpressions'), j)));
  });
  (term.matchFields ?? []).forEach((rq, j) => {
    errs.push(...validateNodeFieldSelectorRequirement(rq, index(child(path, 'matchFields'), j)));
  });
  return errs;
}

/** `ValidateNodeSelector`: at least one term (`must have at least one node selector term`). */
export function validateNodeSelector(ns: NodeSelector, path: string): FieldError[] {
  const termsPath = child(path, 'nodeSelectorTerms');
  const terms = ns.nodeSelectorTerms ?? [];
  if (terms.length === 0)
    return [fieldErrors.required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, index(termsPath, i)));
}

function validateAffinity(spec: PodSpec, path: string): FieldError[] {
  const na = spec.affinity?.nodeAffinity;
  if (!na) return [];
  const naPath = child(path, 'nodeAffinity');
  const errs: FieldError[] = [];
  if (na.requiredDuringSchedulingIgnoredDuringExecution) {
    errs.push(
      ...validateNodeSelector(
        na.requiredDuringSchedulingIgnoredDuringExecution,
        child(naPath, 'requiredDuringSchedulingIgnoredDuringExecution'),
      ),
    );
  }
  const prefPath = child(naPath, 'preferredDuringSchedulingIgnoredDuringExecution');
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
    const idx = index(prefPath, i);
    const w = term.weight;
    if (!(Number.isInteger(w) && w >= 1 && w <= 100)) {
      errs.push(fieldErrors.invalid(child(idx, 'weight'), w, 'must be in the range 1-100'));
    }
    errs.push(...validateNodeSelectorTerm(term.preference ?? {}, child(idx, 'preference')));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// PodSpec / Pod

/**
 * `ValidatePodSpec`. Covers: terminationGracePeriodSeconds (Required after defaulting, ≥ 0),
 * volumes, init and regular containers (`spec.containers: Required value` when none; names
 * Required / DNS-1123 label / Duplicate across init and regular containers; `image: Required
 * value`; ports 1–65535 `must be between 1 and 65535, inclusive`, protocol TCP/UDP/SCTP, Duplicate
 * port names; env names; volume mounts; imagePullPolicy Always/IfNotPresent/Never; resources),
 * hostNetwork ports, restartPolicy (`Unsupported value: "X": supported values: "Always",
 * "OnFailure", "Never"`), dnsPolicy, nodeSelector labels, node affinity terms, serviceAccountName
 * and nodeName (DNS subdomains), activeDeadlineSeconds 1…2147483647, hostname/subdomain,
 * tolerations, priorityClassName and preemptionPolicy.
 */
export function validatePodSpec(
  spec: PodSpec | null | undefined,
  path = 'spec',
  opts: PodSpecValidationOptions = {},
): FieldError[] {
  const s: PodSpec = spec ?? { containers: [] };
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds == null)
    errs.push(fieldErrors.required(child(path, 'terminationGracePeriodSeconds')));
  else
    errs.push(
      ...validateNonnegative(s.terminationGracePeriodSeconds, child(path, 'terminationGracePeriodSeconds')),
    );
  const vols = validateVolumes(s.volumes, child(path, 'volumes'));
  errs.push(...vols.errs);
  errs.push(
    ...validateInitContainers(s.initContainers, s.containers, vols.names, child(path, 'initContainers')),
  );
  errs.push(...validateContainers(s.containers, vols.names, child(path, 'containers')));
  errs.push(...validateHostNetwork(s, path, opts.resourceIsPod === true));
  errs.push(...enumErrors(s.restartPolicy, path, 'restartPolicy', supportedRestartPolicies));
  errs.push(...enumErrors(s.dnsPolicy, path, 'dnsPolicy', supportedDNSPolicies));
  errs.push(...validateLabels(s.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validateAffinity(s, child(path, 'affinity')));
  if (s.dnsPolicy === 'None' && s.dnsConfig == null) {
    errs.push(
      fieldErrors.required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'),
    );
  }
  for (const [field, value] of [
    ['serviceAccountName', s.serviceAccountName],
    ['nodeName', s.nodeName],
  ] as const) {
    const v = asString(value);
    if (v !== '')
      for (const m of nameIsDNSSubdomain(v, false)) errs.push(fieldErrors.invalid(child(path, field), v, m));
  }
  if (s.activeDeadlineSeconds != null) {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MaxInt32) {
      errs.push(
        fieldErrors.invalid(
          child(path, 'activeDeadlineSeconds'),
          v,
          `must be between 1 and ${MaxInt32}, inclusive`,
        ),
      );
    }
  }
  if (asString(s.hostname) !== '')
    errs.push(...validateDNS1123Label(asString(s.hostname), child(path, 'hostname')));
  if (asString(s.subdomain) !== '')
    errs.push(...validateDNS1123Label(asString(s.subdomain), child(path, 'subdomain')));
  errs.push(...validateTolerations(s.tolerations, child(path, 'tolerations')));
  const pcName = asString(s.priorityClassName);
  if (pcName !== '') {
    for (const m of nameIsDNSSubdomain(pcName, false))
      errs.push(fieldErrors.invalid(child(path, 'priorityClassName'), pcName, m));
  }
  if (s.preemptionPolicy != null) {
    errs.push(...enumErrors(s.preemptionPolicy, path, 'preemptionPolicy', supportedPreemptionPolicies));
  }
  return errs;
}

/**
 * `ValidatePodTemplateSpec`: template labels (at `<path>.labels`, as upstream), annotations and
 * the pod spec at `<path>.spec`.
 */
export function validatePodTemplateSpec(
  template: PodTemplateSpec | null | undefined,
  path: string,
): FieldError[] {
  const t = template ?? {};
  return [
    ...validateLabels(t.metadata?.labels, child(path, 'labels')),
    ...validateAnnotations(t.metadata?.annotations, child(path, 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec')),
  ];
}

/** Images of pods (not templates) may not carry leading or trailing whitespace. */
function validateImageWhitespace(containers: readonly Container[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (containers ?? []).forEach((c, i) => {
    const image = asString(c.image);
    if (image.trim() !== image) {
      errs.push(
        fieldErrors.invalid(
          child(index(path, i), 'image'),
          image,
          'must not have leading or trailing whitespace',
        ),
      );
    }
  });
  return errs;
}

/** `ValidatePod`: metadata (namespaced, DNS-1123 subdomain name) and spec (as a pod). */
export function validatePod(pod: Pod): FieldError[] {
  return [
    ...validateObjectMeta(pod.metadata, { namespaced: true }),
    ...validatePodSpec(pod.spec, 'spec', { resourceIsPod: true }),
    ...validateImageWhitespace(pod.spec?.containers, 'spec.containers'),
    ...validateImageWhitespace(pod.spec?.initContainers, 'spec.initContainers'),
  ];
}

/** The forbidden-update message (upstream, followed by a diff of the offending spec fields). */
export const PodUpdateForbiddenMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validateContainerUpdates(
  newC: readonly Container[] | undefined,
  oldC: readonly Container[] | undefined,
  path: string,
): { errs: FieldError[]; stop: boolean } {
  const n = newC ?? [];
  if (n.length !== (oldC ?? []).length) {
    return {
      errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')],
      stop: true,
    };
  }
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = asString(c.image);
    if (image === '') errs.push(fieldErrors.required(child(index(path, i), 'image')));
    if (image.trim() !== image) {
      errs.push(
        fieldErrors.invalid(
          child(index(path, i), 'image'),
          image,
          'must not have leading or trailing whitespace',
        ),
      );
    }
  });
  return { errs, stop: false };
}

/** `validateOnlyAddedTolerations`: existing tolerations may only change their tolerationSeconds. */
function validateOnlyAddedTolerations(
  newT: readonly Toleration[] | undefined,
  oldT: readonly Toleration[] | undefined,
  path: string,
): FieldError[] {
  for (const old of oldT ?? []) {
    const found = (newT ?? []).some((t) =>
      semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t),
    );
    if (!found)
      return [
        fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'),
      ];
  }
  return [];
}

/** A compact listing of the top-level spec fields that differ, appended to the Forbidden message. */
function specDiff(munged: PodSpec, old: PodSpec): string {
  const lines = ['  v1.PodSpec{'];
  const m = munged as unknown as Record<string, unknown>;
  const o = old as unknown as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(o), ...Object.keys(m)])].sort()) {
    if (semanticEqual(m[k], o[k])) continue;
    lines.push(`- \t${k}: ${formatFieldValue(o[k])},`, `+ \t${k}: ${formatFieldValue(m[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

/**
 * `ValidatePodUpdate`. The new pod is validated as on create; then only these spec changes are
 * allowed: container and init-container images, activeDeadlineSeconds (set from nil, or lowered;
 * never back to nil), added tolerations (existing ones may only change tolerationSeconds),
 * and terminationGracePeriodSeconds from a negative value to 1. `spec.nodeName` is set only through
 * the `pods/binding` subresource, never by an update. Anything else yields
 * `spec: Forbidden: pod updates may not change fields other than \`spec.containers[*].image\`,…`
 * followed by a short diff. Adding or removing containers is
 * `spec.containers: Forbidden: pod updates may not add or remove containers`.
 */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): FieldError[] {
  const errs: FieldError[] = [
    ...validateObjectMetaUpdate(newPod.metadata, oldPod.metadata),
    ...validatePod(newPod),
  ];
  const ns: PodSpec = newPod.spec ?? { containers: [] };
  const os: PodSpec = oldPod.spec ?? { containers: [] };
  for (const [field, n, o] of [
    ['containers', ns.containers, os.containers],
    ['initContainers', ns.initContainers, os.initContainers],
  ] as const) {
    const r = validateContainerUpdates(n, o, child('spec', field));
    errs.push(...r.errs);
    if (r.stop) return dedupe(errs);
  }
  if (ns.activeDeadlineSeconds != null) {
    const v = ns.activeDeadlineSeconds;
    if (v < 0 || v > MaxInt32) {
      errs.push(
        fieldErrors.invalid('spec.activeDeadlineSeconds', v, `must be between 0 and ${MaxInt32}, inclusive`),
      );
      return dedupe(errs);
    }
    if (os.activeDeadlineSeconds != null && os.activeDeadlineSeconds < v) {
      errs.push(
        fieldErrors.invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'),
      );
      return dedupe(errs);
    }
  } else if (os.activeDeadlineSeconds != null) {
    errs.push(
      fieldErrors.invalid(
        'spec.activeDeadlineSeconds',
        null,
        'must not update from a positive integer to nil value',
      ),
    );
  }

  const munged: PodSpec = { ...ns };
  munged.containers = (ns.containers ?? []).map((c, i) => withImage(c, (os.containers ?? [])[i]?.image));
  if (ns.initContainers)
    munged.initContainers = ns.initContainers.map((c, i) => withImage(c, os.initContainers?.[i]?.image));
  setOrDelete(munged, 'activeDeadlineSeconds', os.activeDeadlineSeconds);
  setOrDelete(munged, 'tolerations', os.tolerations);
  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, 'spec.tolerations'));
  const oldGrace = os.terminationGracePeriodSeconds;
  if (oldGrace != null && oldGrace < 0 && ns.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (!semanticEqual(munged, os)) {
    errs.push(fieldErrors.forbidden('spec', `${PodUpdateForbiddenMessage}\n${specDiff(munged, os)}`));
  }
  return dedupe(errs);
}

function withImage(c: Container, image: string | undefined): Container {
  const out: Container = { ...c };
  if (image === undefined) delete out.image;
  else out.image = image;
  return out;
}

function setOrDelete<K extends keyof PodSpec>(spec: PodSpec, k: K, value: PodSpec[K] | undefined): void {
  if (value === undefined) delete spec[k];
  else spec[k] = value;
}

/**
 * `ValidatePodStatusUpdate` (minimal): metadata update rules, `status.phase` one of Pending,
 * Running, Succeeded, Failed, Unknown, and `status.nominatedNodeName` a DNS subdomain.
 */
export function validatePodStatusUpdate(newPod: Pod, oldPod: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata);
  const phase = asString(newPod.status?.phase);
  if (phase !== '' && !supportedPodPhases.includes(phase)) {
    errs.push(fieldErrors.notSupported('status.phase', phase, supportedPodPhases));
  }
  const nominated = asString(newPod.status?.nominatedNodeName);
  if (nominated !== '' && nominated !== asString(oldPod.status?.nominatedNodeName)) {
    for (const m of nameIsDNSSubdomain(nominated, false))
      errs.push(fieldErrors.invalid('status.nominatedNodeName', nominated, m));
  }
  return errs;
}
