import type { EnvironmentsConfig } from "./environment-schema";

/**
 * One line per environment whose alarm topics nobody is subscribed to: every CloudWatch alarm
 * and anomaly alert of it would be published to a topic nobody receives.
 */
export function alarmRoutingNotices(environments: EnvironmentsConfig): string[] {
  return Object.entries(environments)
    .filter(([, environment]) => environment.alarmSubscriptions.length === 0)
    .map(
      ([name]) =>
        `${name}: alarms reach nobody: add environments.${name}.alarmSubscriptions in cdktf.json ` +
        `(e.g. [{ "protocol": "email", "endpoint": "oncall@example.com" }]); each address confirms its subscription once.`,
    );
}
