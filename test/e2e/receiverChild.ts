/**
 * The receiver in a process of its own, for the crash test: the test kills it with SIGKILL mid-blob
 * and starts another, as a host would after a crash. It reports over the fork IPC channel.
 */
import { startReceiver, type ReceiverRigOptions, type SimulatorEndpoints } from '../../local/receiverRig';

export interface ReceiverChildSpec {
  endpoints: SimulatorEndpoints;
  connectionString: string;
  options: Pick<
    ReceiverRigOptions,
    'hostJson' | 'claimLeaseSeconds' | 'queueLeaseSeconds' | 'deferralBaseSeconds' | 'clientOptions'
  >;
}

export type ReceiverChildReport =
  | { kind: 'ready'; webhookUrl: string }
  | { kind: 'outcome'; status: string; contentId?: string }
  | { kind: 'error'; error: string };

const report = (r: ReceiverChildReport) => process.send?.(r);

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.RECEIVER_CHILD_SPEC ?? '') as ReceiverChildSpec;
  const receiver = await startReceiver(spec.endpoints, spec.connectionString, {
    ...spec.options,
    onBlobDone: (o) => report({ kind: 'outcome', status: o.status, contentId: o.message?.contentId }),
  });
  report({ kind: 'ready', webhookUrl: receiver.webhookUrl });
}

main().catch((error: unknown) => {
  report({ kind: 'error', error: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
});
