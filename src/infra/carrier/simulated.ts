import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyNumber, isFictionalNumber } from '../../domain/numbering-plan.js';
import { type CarrierGateway, CarrierRejection, CarrierUnavailable, type PortabilityResult, type PortProgress, type PortSubmission } from './gateway.js';

export type SimulatedCarrierOptions = {
  /** Mean latency of every call, in ms (±50 %). */
  latencyMs: number;
  /** Share of numbers the carrier refuses to activate, 0–1; the same numbers for the same seed. */
  failureRate: number;
  /** Share of calls that fail transiently (and succeed on retry), 0–1. */
  transientFailureRate: number;
  seed: number;
};

const defaultSimulatedCarrierOptions: SimulatedCarrierOptions = { latencyMs: 200, failureRate: 0.02, transientFailureRate: 0.05, seed: 42 };

const losingCarriers = ['Verizon', 'AT&T', 'T-Mobile', 'Lumen', 'Vodafone', 'BT', 'Deutsche Telekom', 'Airtel', 'MTN'];

/** Deterministic under a seed: the same number, attempt and seed give the same outcome. */
export class SimulatedCarrier implements CarrierGateway {
  private readonly attempts = new Map<string, number>();

  constructor(readonly options: SimulatedCarrierOptions = defaultSimulatedCarrierOptions) {}

  /** A number in [0, 1) derived from the seed and the given parts. */
  private draw(...parts: Array<string | number>): number {
    const digest = createHash('sha256')
      .update([this.options.seed, ...parts].join('|'))
      .digest();
    return digest.readUInt32BE(0) / 2 ** 32;
  }

  private async latency(...parts: Array<string | number>) {
    const { latencyMs } = this.options;
    if (latencyMs > 0) await sleep(Math.round(latencyMs * (0.5 + this.draw('latency', ...parts))));
  }

  /** Whether activation of this number is refused for good (tests use it to pick outcomes). */
  rejectsActivation(e164: string): boolean {
    return this.draw('reject', e164) < this.options.failureRate;
  }

  private transient(operation: string, key: string) {
    const attempt = (this.attempts.get(`${operation}:${key}`) ?? 0) + 1;
    this.attempts.set(`${operation}:${key}`, attempt);
    // Never more than two transient failures in a row, as a real carrier's retries would see.
    return attempt <= 2 && this.draw('transient', operation, key, attempt) < this.options.transientFailureRate;
  }

  async activateNumber(e164: string) {
    await this.latency('activate', e164);
    if (this.transient('activate', e164)) throw new CarrierUnavailable(`Carrier timed out activating ${e164}`);
    if (this.rejectsActivation(e164)) throw new CarrierRejection(`Carrier refused to activate ${e164}: number no longer available upstream`);
    return { carrierReference: `sim-${createHash('sha1').update(e164).digest('hex').slice(0, 12)}` };
  }

  async releaseNumber(e164: string) {
    await this.latency('release', e164);
    if (this.transient('release', e164)) throw new CarrierUnavailable(`Carrier timed out releasing ${e164}`);
  }

  /**
   * About 10 % of numbers are not in service anywhere and 5 % sit in rate
   * centers the losing carrier won't port; numbers outside the plans we serve
   * are refused; a third of the rest are fast-portable.
   */
  async checkPortability(e164s: string[]): Promise<PortabilityResult[]> {
    await this.latency('portability', e164s.join(','));
    return e164s.map((e164) => {
      const plan = classifyNumber(e164);
      const refuse = (notPortableReason: string, losingCarrier: string | null = null): PortabilityResult => ({
        e164,
        countryCode: plan?.countryCode ?? null,
        numberType: plan?.numberType ?? null,
        portable: false,
        fastPortable: false,
        notPortableReason,
        losingCarrier,
      });
      if (!plan) return refuse('Outside the numbering plans we serve');
      // Fictional numbers (NANP 555, Ofcom's drama ranges) are in service nowhere; the sandbox ports only those.
      if (isFictionalNumber(e164)) return refuse('Number is not in service with any carrier (a fictional number)');
      const roll = this.draw('portable', e164);
      const losingCarrier = losingCarriers[Math.floor(this.draw('losing', e164) * losingCarriers.length)] ?? null;
      if (roll < 0.1) return refuse('Number is not in service with any carrier');
      if (roll < 0.15) return refuse('Losing carrier does not port numbers in this rate center', losingCarrier);
      const { countryCode, numberType } = plan;
      return { e164, countryCode, numberType, portable: true, fastPortable: roll > 0.7, notPortableReason: null, losingCarrier };
    });
  }

  async submitPort(submission: PortSubmission) {
    await this.latency('submit', submission.portingOrderId);
    return { carrierReference: `simport-${submission.portingOrderId.slice(0, 8)}-${submission.run}` };
  }

  /**
   * The losing carrier accepts the order, rejects an account number it does not
   * know (the simulation: one starting with "000"), confirms a FOC date (the
   * requested one, or the next business day when it falls on a weekend), then ports.
   */
  async portProgress(submission: PortSubmission, step: number): Promise<PortProgress> {
    await this.latency('progress', submission.portingOrderId, submission.run, step);
    if (step === 1) {
      if (submission.accountNumber.startsWith('000')) {
        return { status: 'EXCEPTION', reason: "Account number does not match the losing carrier's records" };
      }
      return { status: 'IN_PROCESS' };
    }
    if (step === 2) {
      const foc = new Date(submission.requestedFocDate);
      while (foc.getUTCDay() === 0 || foc.getUTCDay() === 6) foc.setUTCDate(foc.getUTCDate() + 1);
      return { status: 'FOC_DATE_CONFIRMED', focDate: foc };
    }
    return { status: 'PORTED' };
  }
}
