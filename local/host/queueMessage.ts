/**
 * Pure conversion of a stored queue message into what the Functions host hands a queue trigger:
 * the decoded body (object when it is JSON, else the string) and the trigger metadata.
 */
import type { ReceivedMessageItem } from '@azure/storage-queue';

export class QueueMessageDecodeError extends Error {
  override readonly name = 'QueueMessageDecodeError';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * With messageEncoding base64 the host decodes first; a message written without encoding (the
 * @azure/storage-queue SDK does not encode) fails here just as it does in Azure, where the error is
 * "The input is not a valid Base-64 string".
 */
export function decodeMessageText(text: string, encoding: 'base64' | 'none'): string {
  if (encoding === 'none') return text;
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    throw new QueueMessageDecodeError(
      'The input is not a valid Base-64 string (host.json messageEncoding is base64)',
    );
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** The Node worker turns JSON text into a value and leaves anything else a string. */
export function messageValue(decoded: string): unknown {
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}

export function queueTriggerMetadata(
  message: ReceivedMessageItem,
  decoded: string | undefined,
): Record<string, unknown> {
  return {
    id: message.messageId,
    dequeueCount: message.dequeueCount,
    insertionTime: message.insertedOn.toISOString(),
    expirationTime: message.expiresOn.toISOString(),
    nextVisibleTime: message.nextVisibleOn.toISOString(),
    popReceipt: message.popReceipt,
    queueTrigger: decoded ?? message.messageText,
  };
}
