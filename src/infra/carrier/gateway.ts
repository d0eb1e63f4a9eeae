// The upstream carrier. The shipped implementation is simulated
// (./simulated.ts); a Telnyx or Twilio adapter would implement the same shape.

type NumberType = 'LOCAL' | 'TOLL_FREE' | 'NATIONAL' | 'MOBILE';

/** A number the losing carrier will release to us: always within a plan we serve. */
export type PortableResult = {
  e164: string;
  countryCode: string;
  numberType: NumberType;
  portable: true;
  fastPortable: boolean;
  notPortableReason: null;
  losingCarrier: string | null;
};

type NotPortableResult = {
  e164: string;
  countryCode: string | null;
  numberType: NumberType | null;
  portable: false;
  fastPortable: false;
  notPortableReason: string;
  losingCarrier: string | null;
};

export type PortabilityResult = PortableResult | NotPortableResult;

export type PortSubmission = {
  portingOrderId: string;
  /** Which submission of this order (a resubmission after an exception is a new run). */
  run: number;
  phoneNumbers: string[];
  requestedFocDate: Date;
  accountNumber: string;
  authorizedPerson: string;
};

export type PortProgress =
  | { status: 'IN_PROCESS' }
  | { status: 'FOC_DATE_CONFIRMED'; focDate: Date }
  | { status: 'PORTED' }
  | { status: 'EXCEPTION'; reason: string };

export interface CarrierGateway {
  /** Provisions a number on the carrier. Idempotent per number. */
  activateNumber(e164: string): Promise<{ carrierReference: string }>;
  /** Tells the carrier we no longer hold the number. Idempotent per number. */
  releaseNumber(e164: string): Promise<void>;
  checkPortability(e164s: string[]): Promise<PortabilityResult[]>;
  submitPort(submission: PortSubmission): Promise<{ carrierReference: string }>;
  /** The next step of a submitted port, as the carrier reports it (step 1, 2, …). */
  portProgress(submission: PortSubmission, step: number): Promise<PortProgress>;
}

/** The carrier refused and retrying will not help (e.g. number no longer available upstream). */
export class CarrierRejection extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CarrierRejection';
  }
}

/** A timeout or 5xx from the carrier: worth retrying (jobs retry any error that is not a CarrierRejection). */
export class CarrierUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CarrierUnavailable';
  }
}
