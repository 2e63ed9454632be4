// Reads DTMF out of SIP INFO bodies: `application/dtmf-relay` (Signal=/Duration=) and `application/dtmf`.
export interface DtmfDigit {
  readonly digit: string;
  readonly durationMs: number;
}

export function parseDtmfInfo(contentType: string, body: string): DtmfDigit | undefined {
  const type = contentType.toLowerCase().split(';')[0]?.trim();
  if (type === 'application/dtmf-relay') {
    const signal = /^\s*signal\s*=\s*([0-9A-D*#])\s*$/im.exec(body)?.[1];
    const duration = Number(/^\s*duration\s*=\s*(\d+)\s*$/im.exec(body)?.[1] ?? 160);
    return signal ? { digit: signal.toUpperCase(), durationMs: duration } : undefined;
  }
  if (type === 'application/dtmf') {
    const digit = body.trim();
    return /^[0-9A-D*#]$/i.test(digit) ? { digit: digit.toUpperCase(), durationMs: 160 } : undefined;
  }
  return undefined;
}
