import { idOfType } from '../global-id.js';
import { operatorBuilder as builder } from './builder.js';

builder.prismaNode('AuditRecord', {
  id: { field: 'id' },
  description: 'Something an operator did: who, what, when, to which organization, and the state before and after.',
  fields: (t) => ({
    action: t.exposeString('action', {
      description: 'CREATE_ORGANIZATION, CREDIT_BALANCE, DEBIT_BALANCE, KYC_APPROVE, KYC_DECLINE, SUSPEND_ORGANIZATION or REACTIVATE_ORGANIZATION.',
    }),
    operatorName: t.string({ select: { operatorKey: { select: { name: true } } }, resolve: (record) => record.operatorKey.name }),
    organization: t.relation('organization', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    before: t.expose('before', { type: 'JSON', nullable: true }),
    after: t.expose('after', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('auditRecords', (t) =>
  t.prismaConnection({
    type: 'AuditRecord',
    cursor: 'id',
    description: "Operators' actions, newest first; of one organization when `organizationId` is given.",
    maxSize: 100,
    defaultSize: 50,
    args: { organizationId: t.arg.id({ required: false }) },
    resolve: (query, _root, args, ctx) => {
      const organizationId = args.organizationId == null ? undefined : (idOfType(args.organizationId, 'Organization', ['organizationId']) ?? 'none');
      if (organizationId === 'none') return [];
      return ctx.prisma.auditRecord.findMany({ ...query, where: organizationId ? { organizationId } : {}, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    },
  }),
);
