import { describe, expect, it } from 'vitest';
import { CarrierRejection, CarrierUnavailable, type PortSubmission } from '../../src/infra/carrier/gateway.js';
import { SandboxCarrier } from '../../src/infra/carrier/sandbox.js';

// The sandbox's carrier: every ordinary test number succeeds at once; the documented magic numbers (their last
// four digits) pick the other outcomes, the same on every run.

const submission = (phoneNumbers: string[], run = 1): PortSubmission => ({
  portingOrderId: '00000000-0000-4000-8000-000000000001',
  run,
  phoneNumbers,
  requestedFocDate: new Date('2027-01-05T09:00:00Z'),
  accountNumber: '123456',
  authorizedPerson: 'Ada',
});

describe('SandboxCarrier', () => {
  it('activates ordinary numbers at once, refuses …0150 for good, times out twice on …0151 then activates', async () => {
    const carrier = new SandboxCarrier();
    await expect(carrier.activateNumber('+15125550100')).resolves.toMatchObject({ carrierReference: expect.any(String) });
    await expect(carrier.activateNumber('+15125550150')).rejects.toBeInstanceOf(CarrierRejection);
    await expect(carrier.activateNumber('+15125550150')).rejects.toBeInstanceOf(CarrierRejection);
    await expect(carrier.activateNumber('+15125550151')).rejects.toBeInstanceOf(CarrierUnavailable);
    await expect(carrier.activateNumber('+15125550151')).rejects.toBeInstanceOf(CarrierUnavailable);
    await expect(carrier.activateNumber('+15125550151')).resolves.toMatchObject({ carrierReference: expect.any(String) });
  });

  it('ports fictional numbers only, all but …0198; …0197 meets an exception at the first submission and ports on the next', async () => {
    const carrier = new SandboxCarrier();
    const results = await carrier.checkPortability(['+15125550160', '+15125550198', '+15127771234', '+999']);
    expect(results.map((result) => result.portable)).toEqual([true, false, false, false]);
    expect(await carrier.portProgress(submission(['+15125550160', '+15125550197']), 1)).toMatchObject({ status: 'EXCEPTION' });
    expect(await carrier.portProgress(submission(['+15125550160', '+15125550197'], 2), 1)).toEqual({ status: 'IN_PROCESS' });
    expect(await carrier.portProgress(submission(['+15125550160']), 1)).toEqual({ status: 'IN_PROCESS' });
    expect(await carrier.portProgress(submission(['+15125550160']), 3)).toEqual({ status: 'PORTED' });
  });
});
