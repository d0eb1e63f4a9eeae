import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * This database's identity, the same for every instance on it and different
 * for any other database (a random id created with the schema), whatever URL
 * each instance reaches it by.
 */
export async function deploymentId(prisma: PrismaClient): Promise<string> {
  const row = await prisma.deployment.upsert({ where: { singleton: true }, create: {}, update: {}, select: { id: true } });
  return row.id;
}
