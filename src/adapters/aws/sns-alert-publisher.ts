import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { messageOf } from '../../domain/usecases/ingest-batch.js';
import type { AlertPublisher, AlertPublishReport, PublishOptions } from '../../ports/alert-publisher.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { Alert } from '../../ports/model.js';
import { ATTEMPT_MS, guardWithDeadline, InvocationDeadline } from './invocation-deadline.js';

/** Entries per PublishBatch call (the SNS maximum). */
const BATCH = 10;

/** Options of `SnsAlertPublisher`. */
export interface SnsAlertPublisherOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
  /** Whether the topic is FIFO (default: its ARN ends in `.fifo`). */
  readonly fifo?: boolean;
  readonly logger?: Logger;
  /** The clock `withinMs` is measured on (default the system's). */
  readonly clock?: Clock;
}

/**
 * Publishes alerts to an SNS topic. Each message has a subject and a first line for people,
 * then a blank line and the alert as JSON for programs (`SnsAlertPublisher.parseMessage`
 * reads it back), and the message attributes `symbol`, `signal` and `trend`, so a subscription
 * can filter, e.g. `{"signal":["GOLDEN_CROSS"]}`. Several alerts go out with PublishBatch (10
 * per call). On a FIFO topic, `MessageGroupId` is the symbol (its alerts stay in order) and
 * `MessageDeduplicationId` the alert id, so a re-sent alert is delivered once.
 *
 * Nothing throws for a failed publish: alerts SNS refused or could not take (throttling, an
 * outage) come back in `failed` with the error, and the trend path keeps them pending. Given
 * `withinMs`, no request attempt (the SDK's retries included) starts unless one attempt's
 * worst case (35 s) fits in what is left of it; the alerts left unsent come back in `failed`.
 * On a FIFO topic a failed PublishBatch ends the call (the later alerts come back failed
 * too), so no alert of a later batch overtakes one of an earlier batch; within one batch SNS
 * may take the entries after one it refused.
 *
 * @example
 * const publisher = new SnsAlertPublisher({ client: new SNSClient({}), topicArn: 'arn:aws:sns:eu-west-1:123456789012:tickflow-alerts' });
 * const { failed } = await publisher.publish(alerts);
 */
export class SnsAlertPublisher implements AlertPublisher {
  /** One request attempt's worst case: a connection, headers, a body that stops, and a margin. */
  readonly attemptMs = ATTEMPT_MS;
  private readonly fifo: boolean;

  constructor(private readonly options: SnsAlertPublisherOptions) {
    this.fifo = options.fifo ?? options.topicArn.endsWith('.fifo');
  }

  /**
   * The alert in a message this publisher sent (the body of a raw SQS delivery, or the
   * `Message` of an SNS envelope); `undefined` if the text is not one.
   *
   * @example
   * const alert = SnsAlertPublisher.parseMessage(JSON.parse(sqsMessage.Body).Message);
   */
  static parseMessage(text: string): Alert | undefined {
    try {
      const value = JSON.parse(text.slice(text.lastIndexOf('\n') + 1)) as unknown;
      return typeof value === 'object' && value !== null && typeof (value as Alert).id === 'string' ? (value as Alert) : undefined;
    } catch {
      return undefined;
    }
  }

  async publish(alerts: readonly Alert[], options: PublishOptions = {}): Promise<AlertPublishReport> {
    const failed: { alert: Alert; error: string }[] = [];
    let deadline: InvocationDeadline | undefined;
    if (options.withinMs !== undefined) {
      const clock = this.options.clock;
      deadline = new InvocationDeadline(clock === undefined ? Date.now : () => clock.now(), {
        time: 'the claim on these alerts',
        work: 'this publish',
      });
      deadline.begin(options.withinMs, { strict: options.strict ?? true });
    }
    if (alerts.length === 1) {
      const alert = alerts[0] as Alert;
      try {
        deadline?.check('Publish');
        await this.options.client.send(
          this.guarded(new PublishCommand({ TopicArn: this.options.topicArn, ...this.message(alert) }), deadline),
        );
      } catch (error) {
        failed.push({ alert, error: messageOf(error) });
      }
    } else {
      // In sequence: on a FIFO topic, a symbol's alerts must reach SNS in order.
      for (let i = 0; i < alerts.length; i += BATCH) {
        const batchFailed = await this.publishBatch(alerts.slice(i, i + BATCH), deadline);
        failed.push(...batchFailed);
        if (this.fifo && batchFailed.length > 0) {
          const error = `not sent: an earlier alert failed (${batchFailed[0]?.error}), and a FIFO topic must get them in order`;
          failed.push(...alerts.slice(i + BATCH).map((alert) => ({ alert, error })));
          break;
        }
      }
    }
    if (failed.length > 0) {
      this.options.logger?.warn('sns: alerts not published', { count: failed.length, error: failed[0]?.error });
    }
    return { failed };
  }

  /** `command`, its attempts checked against `deadline` when there is one. */
  private guarded<C extends PublishCommand | PublishBatchCommand>(command: C, deadline: InvocationDeadline | undefined): C {
    return deadline === undefined ? command : guardWithDeadline(command, deadline, 'tickflowPublishDeadline');
  }

  private async publishBatch(
    alerts: readonly Alert[],
    deadline: InvocationDeadline | undefined,
  ): Promise<{ alert: Alert; error: string }[]> {
    // Entry ids may hold only letters, digits, - and _: alert ids have '#', so number them.
    const entries: PublishBatchRequestEntry[] = alerts.map((alert, i) => ({ Id: `a${i}`, ...this.message(alert) }));
    let result: PublishBatchCommandOutput;
    try {
      // Checked here too, for clients that do not run the command's middleware.
      deadline?.check('PublishBatch');
      result = await this.options.client.send(
        this.guarded(new PublishBatchCommand({ TopicArn: this.options.topicArn, PublishBatchRequestEntries: entries }), deadline),
      );
    } catch (error) {
      const message = messageOf(error);
      return alerts.map((alert) => ({ alert, error: message }));
    }
    const ok = new Set((result.Successful ?? []).map((s) => s.Id));
    const errors = new Map(
      (result.Failed ?? []).map((f) => [f.Id, `${f.Code ?? 'Failed'}: ${f.Message ?? 'SNS did not take the message'}`]),
    );
    return alerts.flatMap((alert, i) => {
      const id = `a${i}`;
      if (ok.has(id) && !errors.has(id)) return [];
      return [{ alert, error: errors.get(id) ?? 'SNS reported neither success nor failure for this alert' }];
    });
  }

  private message(alert: Alert): Omit<PublishBatchRequestEntry, 'Id'> {
    const attributes: Record<string, MessageAttributeValue> = {
      symbol: { DataType: 'String', StringValue: alert.symbol },
      signal: { DataType: 'String', StringValue: alert.signal },
      trend: { DataType: 'String', StringValue: alert.trend },
    };
    return {
      Subject: `tickflow: ${alert.symbol} ${alert.signal} (${alert.trend})`,
      Message: `${sentence(alert)}\n\n${JSON.stringify(alert)}`,
      MessageAttributes: attributes,
      ...(this.fifo ? { MessageGroupId: alert.symbol, MessageDeduplicationId: alert.id } : {}),
    };
  }
}

/** The line for people: what crossed, where, when. */
function sentence(a: Alert): string {
  const relation = a.signal === 'GOLDEN_CROSS' ? 'above' : 'below';
  return `${a.symbol}: ${a.signal} (${a.trend}) at ${a.price} on ${new Date(a.timestamp).toISOString()} — SMA-short ${a.smaShort} crossed ${relation} SMA-long ${a.smaLong}.`;
}
