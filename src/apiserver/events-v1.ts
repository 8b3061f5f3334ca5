/**
 * `events.k8s.io/v1` Events are a second view of the stored core/v1 Events, as the apiserver
 * serves both versions from one storage: these functions convert between the two shapes.
 */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventV1 } from 'kubernetes-types/events/v1.js';
import type { KubeObject, ResourceType } from '../api/resources.js';
import { resources } from '../api/resources.js';
import type {
  DeleteOptions,
  ListOptions,
  Store,
  UpdateOptions,
  WatchEvent,
  WatchHandlers,
  WatchOptions,
  WriteOptions,
} from '../store/types.js';

/** core/v1 → events.k8s.io/v1 (what a reader of the new API sees). */
export function toEventsV1(e: CoreEvent): EventV1 {
  const count = e.count ?? 0;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime ?? (null as unknown as string),
    ...(e.series
      ? { series: e.series as EventV1['series'] & object }
      : count > 1 && e.lastTimestamp
        ? { series: { count, lastObservedTime: e.lastTimestamp } }
        : {}),
    ...(e.reportingComponent || e.source?.component
      ? { reportingController: e.reportingComponent || e.source?.component || '' }
      : {}),
    ...(e.reportingInstance || e.source?.host
      ? { reportingInstance: e.reportingInstance || e.source?.host || '' }
      : {}),
    ...(e.action ? { action: e.action } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    regarding: e.involvedObject,
    ...(e.related ? { related: e.related } : {}),
    ...(e.message !== undefined ? { note: e.message } : {}),
    ...(e.type ? { type: e.type } : {}),
    ...(e.source ? { deprecatedSource: e.source } : {}),
    ...(e.firstTimestamp ? { deprecatedFirstTimestamp: e.firstTimestamp } : {}),
    ...(e.lastTimestamp ? { deprecatedLastTimestamp: e.lastTimestamp } : {}),
    ...(e.count !== undefined ? { deprecatedCount: e.count } : {}),
  };
}

/** events.k8s.io/v1 → core/v1 (what is stored). */
export function fromEventsV1(e: EventV1): CoreEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata ?? {},
    involvedObject: e.regarding ?? {},
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.note !== undefined ? { message: e.note } : {}),
    ...(e.type ? { type: e.type } : {}),
    ...(e.eventTime ? { eventTime: e.eventTime } : {}),
    ...(e.series ? { series: e.series } : {}),
    ...(e.action ? { action: e.action } : {}),
    ...(e.related ? { related: e.related } : {}),
    ...(e.reportingController ? { reportingComponent: e.reportingController } : {}),
    ...(e.reportingInstance ? { reportingInstance: e.reportingInstance } : {}),
    ...(e.deprecatedSource
      ? { source: e.deprecatedSource }
      : e.reportingController
        ? { source: { component: e.reportingController } }
        : {}),
    ...(e.deprecatedFirstTimestamp ? { firstTimestamp: e.deprecatedFirstTimestamp } : {}),
    ...(e.deprecatedLastTimestamp ? { lastTimestamp: e.deprecatedLastTimestamp } : {}),
    ...(e.deprecatedCount !== undefined
      ? { count: e.deprecatedCount }
      : e.series
        ? { count: e.series.count }
        : {}),
  };
}

/**
 * The Store seen through events.k8s.io/v1: every call goes to the core/v1 Events of the base
 * store, converted both ways. Only the Event type may be used with it.
 */
export function eventsV1View(base: Store): Store {
  const core = resources.events;
  const asV1 = <T extends KubeObject>(e: CoreEvent | undefined): T | undefined =>
    e ? (toEventsV1(e) as unknown as T) : undefined;
  return {
    revision: () => base.revision(),
    get: <T extends KubeObject>(_t: ResourceType<T>, ns: string, name: string) =>
      asV1<T>(base.get(core, ns, name)),
    list: <T extends KubeObject>(_t: ResourceType<T>, options?: ListOptions) => {
      const r = base.list(core, options);
      return { revision: r.revision, items: r.items.map((e) => toEventsV1(e) as unknown as T) };
    },
    create: <T extends KubeObject>(_t: ResourceType<T>, obj: T, options?: WriteOptions) =>
      toEventsV1(base.create(core, fromEventsV1(obj as unknown as EventV1), options)) as unknown as T,
    update: <T extends KubeObject>(_t: ResourceType<T>, obj: T, options?: UpdateOptions) =>
      toEventsV1(base.update(core, fromEventsV1(obj as unknown as EventV1), options)) as unknown as T,
    delete: <T extends KubeObject>(
      _t: ResourceType<T>,
      ns: string,
      name: string,
      options?: DeleteOptions,
    ) => {
      const r = base.delete(core, ns, name, options);
      return { deleted: r.deleted, object: toEventsV1(r.object) as unknown as T };
    },
    watch: <T extends KubeObject>(_t: ResourceType<T>, options: WatchOptions, handlers: WatchHandlers<T>) =>
      base.watch(core, options, {
        onEvent: (ev) =>
          handlers.onEvent(
            ev.type === 'BOOKMARK' || ev.type === 'ERROR'
              ? (ev as unknown as WatchEvent<T>)
              : { type: ev.type, object: toEventsV1(ev.object) as unknown as T },
          ),
        ...(handlers.onClose ? { onClose: (reason: string) => handlers.onClose?.(reason) } : {}),
      }),
    bookmark: () => base.bookmark(),
    flush: () => base.flush(),
    close: () => base.close(),
  };
}
