/**
 * The sensitive information types the simulated tenants list at `resources/dlpSensitiveTypes`, and
 * which their DLP records match. The answer has the documented shape, `[{id, name}]`; the GUIDs of
 * the first two are the ones Microsoft's own example shows.
 */
export interface SensitiveType {
  id: string;
  name: string;
}

export const DLP_SENSITIVE_TYPES: readonly SensitiveType[] = [
  { id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085', name: 'CreditCardNumber' },
  { id: '0e9b3178-9678-47dd-a509-37222ca96b42', name: 'EUDebitCardNumber' },
  { id: 'a44669fe-0d48-453d-a9b1-2cc83f2cba77', name: 'USSocialSecurityNumber' },
  { id: 'e55e2a32-f92d-4985-a35d-a0b269eb687b', name: 'ABARoutingNumber' },
];
