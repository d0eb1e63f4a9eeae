import { isFictionalNumber } from '../../domain/numbering-plan.js';
import { magicSuffixes } from '../../domain/sandbox.js';
import { CarrierRejection, CarrierUnavailable, type PortabilityResult, type PortProgress, type PortSubmission } from './gateway.js';
import { SimulatedCarrier } from './simulated.js';

/**
 * The carrier every sandbox gets, whatever the live one is: the simulation without latency or random
 * failures, where only the documented magic numbers (their last four digits) choose another outcome.
 */
export class SandboxCarrier extends SimulatedCarrier {
  private readonly timeouts = new Map<string, number>();

  constructor() {
    super({ latencyMs: 0, failureRate: 0, transientFailureRate: 0, seed: 0 });
  }

  override async activateNumber(e164: string) {
    if (e164.endsWith(magicSuffixes.activationRefused)) throw new CarrierRejection(`Carrier refused to activate ${e164} (sandbox magic number)`);
    if (e164.endsWith(magicSuffixes.activationTimesOut)) {
      const attempt = (this.timeouts.get(e164) ?? 0) + 1;
      this.timeouts.set(e164, attempt);
      if (attempt <= 2) throw new CarrierUnavailable(`Carrier timed out activating ${e164} (sandbox magic number, attempt ${attempt})`);
    }
    return super.activateNumber(e164);
  }

  /** Only fictional numbers port into a sandbox (a real one is someone's), all of them but the magic not-portable one. */
  override async checkPortability(e164s: string[]): Promise<PortabilityResult[]> {
    const results = await super.checkPortability(e164s);
    return results.map((result) => {
      if (!result.countryCode || !result.numberType) return result;
      if (!isFictionalNumber(result.e164)) {
        const notPortableReason = 'Test mode ports only fictional numbers, such as +1 512 555 0160 to 0199';
        return { ...result, portable: false, fastPortable: false, notPortableReason };
      }
      if (result.e164.endsWith(magicSuffixes.notPortable)) {
        return { ...result, portable: false, fastPortable: false, notPortableReason: 'Number is not in service with any carrier (sandbox magic number)' };
      }
      return { ...result, countryCode: result.countryCode, numberType: result.numberType, portable: true, notPortableReason: null, fastPortable: false };
    });
  }

  override async portProgress(submission: PortSubmission, step: number): Promise<PortProgress> {
    const exception = submission.phoneNumbers.find((e164) => e164.endsWith(magicSuffixes.portingException));
    if (step === 1 && submission.run === 1 && exception) {
      return { status: 'EXCEPTION', reason: `Losing carrier rejected the port of ${exception} (sandbox magic number); resubmit to port it` };
    }
    return super.portProgress(submission, step);
  }
}
