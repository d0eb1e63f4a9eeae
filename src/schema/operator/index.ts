import { lexicographicSortSchema, printSchema } from 'graphql';
import { operatorBuilder } from './builder.js';
import './enums.js';
import './organizations.js';
import './audit.js';
import './mutations.js';

export const operatorSchema = operatorBuilder.toSchema({ sortSchema: false });

export function printedOperatorSchema(): string {
  return `${printSchema(lexicographicSortSchema(operatorSchema))}\n`;
}
