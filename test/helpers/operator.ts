import { randomUUID } from 'node:crypto';
import { createOperatorKey } from '../../src/domain/operators.js';
import type { TestServer } from './server.js';

export type OperatorBody = {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string[] } }>;
};

/** A request to the operator endpoint, /operator/graphql. */
export async function operatorCall(server: TestServer, key: string | null, query: string, variables: Record<string, unknown> = {}): Promise<OperatorBody> {
  const response = await fetch(`${server.url}/operator/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A new operator key's secret. */
export async function operatorKey(server: TestServer) {
  return (await createOperatorKey(server.db.prisma, `operator ${randomUUID().slice(0, 6)}`)).secret;
}

export const AdjustBalance = `mutation A($input: AdjustBalanceInput!) {
  adjustBalance(input: $input) {
    replayed
    organization { balance { amountCents } }
    ledgerEntry { kind amountCents balanceAfterCents description externalReference }
    errors { code field }
  }
}`;
