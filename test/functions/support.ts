/** Invocation contexts that keep what a handler logged, and an Azurite per test file. */
import { InvocationContext, type LogLevel, type TriggerMetadata } from '@azure/functions';
import { format } from 'node:util';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { freePort } from '../../local/freePort';

export interface LoggedLine {
  level: LogLevel;
  text: string;
}

export function recordingContext(
  functionName: string,
  triggerMetadata?: TriggerMetadata,
): { context: InvocationContext; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: `test-${functionName}`,
    triggerMetadata,
    logHandler: (level, ...args) => lines.push({ level, text: format(...args) }),
  });
  return { context, lines };
}

export function linesAt(lines: LoggedLine[], level: LogLevel): string[] {
  return lines.filter((l) => l.level === level).map((l) => l.text);
}

/** One Azurite for the file: started in beforeAll, stopped in afterAll. */
export function useAzurite(): () => AzuriteInstance {
  let azurite: AzuriteInstance | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (!azurite) throw new Error('Azurite is not started');
    return azurite;
  };
}

/** A loopback port nothing listens on. */
export const closedPort = freePort;

let counter = 0;
export function uniqueQueueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}${counter}`;
}
