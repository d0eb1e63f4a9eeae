import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import { describeInputLimits } from './input-limits.js';
import './errors.js';
import './organization.js';
import './phone-number.js';
import './inventory.js';
import './connection.js';
import './ledger.js';
import './reservation.js';
import './number-order.js';
import './phone-number-mutations.js';
import './events.js';
import './inventory-alerts.js';
import './porting.js';
import './kyc.js';
import './webhooks.js';

export const schema = describeInputLimits(builder.toSchema({ sortSchema: false }));

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
