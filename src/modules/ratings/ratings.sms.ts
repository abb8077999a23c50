import type { Platform } from '../../platform/module.ts';

// Text messages leave the platform through this adapter. Development and tests use the logging
// adapter (it also keeps the last messages so tests can read the link); a deployment registers the
// district's SMS gateway with `useSmsSender`.

export interface SmsSender {
  send(phone: string, text: string): Promise<void>;
}

export class LoggingSmsSender implements SmsSender {
  readonly sent: { phone: string; text: string }[] = [];
  constructor(private readonly log: (obj: object, msg: string) => void) {}
  async send(phone: string, text: string): Promise<void> {
    this.sent.push({ phone, text });
    if (this.sent.length > 100) this.sent.shift();
    // Never the whole number in a log line.
    this.log({ phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`, text }, 'sms (development adapter: not sent)');
  }
}

const senders = new WeakMap<Platform, SmsSender>();

export function smsSenderOf(platform: Platform): SmsSender {
  let s = senders.get(platform);
  if (!s) senders.set(platform, (s = new LoggingSmsSender((obj, msg) => platform.jobs.log.info(obj, msg))));
  return s;
}

export function useSmsSender(platform: Platform, sender: SmsSender): void {
  senders.set(platform, sender);
}
