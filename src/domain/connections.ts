import type { TenantDb } from '../infra/tenant-scope.js';
import { invalidInput } from './errors.js';
import { checkName } from './input-rules.js';

// Connections: named groups of a tenant's numbers, one per sub-customer.

export async function createConnection(db: TenantDb, input: { name: string }) {
  const name = checkName(input.name, ['input', 'name']);
  const taken = () => invalidInput(['input', 'name'], `A connection named "${name}" already exists`);
  if (await db.connection.findFirst({ where: { name }, select: { id: true } })) throw taken();
  try {
    return await db.connection.create({ data: { organizationId: db.tenant.organizationId, name } });
  } catch (error) {
    // Two requests for the same name at once: the unique index decides, and the loser hears why.
    if ((error as { code?: string }).code === 'P2002') throw taken();
    throw error;
  }
}
