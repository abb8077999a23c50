import type { Platform } from '../../platform/module.ts';
import { fileStoreFromEnv, type FileLimits, type FileStore } from './cases.files.ts';
import { createNotifier, loggingEmail, loggingSms, type MessageAdapter, type Notifier, type NoticeLog } from './cases.notify.ts';

// What the cases module holds per platform instance: its file store (chosen by configuration at
// boot) and its notifier. Tests and other deployments can install their own adapters.

export interface CasesRuntime {
  store: FileStore;
  limits: FileLimits;
  notifier: Notifier;
}

const runtimes = new WeakMap<Platform, CasesRuntime>();

const consoleLog: NoticeLog = {
  info(obj, msg) {
    if (process.env.YIWANG_LOG_LEVEL !== 'silent') console.log(JSON.stringify({ ...obj, msg }));
  },
};

export function runtimeOf(platform: Platform): CasesRuntime {
  let r = runtimes.get(platform);
  if (!r) {
    const { store, limits } = fileStoreFromEnv(platform.config.dataDir);
    r = { store, limits, notifier: createNotifier({ sms: loggingSms(consoleLog), email: loggingEmail(consoleLog) }) };
    runtimes.set(platform, r);
  }
  return r;
}

/** Replaces parts of the runtime (real SMS gateway, another store, tighter limits). */
export function configureCases(platform: Platform, parts: Partial<CasesRuntime> & { sms?: MessageAdapter; email?: MessageAdapter }): CasesRuntime {
  const current = runtimeOf(platform);
  const notifier = parts.notifier ?? (parts.sms || parts.email ? createNotifier({ sms: parts.sms ?? loggingSms(consoleLog), email: parts.email ?? loggingEmail(consoleLog) }) : current.notifier);
  const next = { store: parts.store ?? current.store, limits: parts.limits ?? current.limits, notifier };
  runtimes.set(platform, next);
  return next;
}
