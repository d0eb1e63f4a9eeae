import { configureNumber, releaseNumber } from '../domain/number-lifecycle.js';
import type { PhoneNumber } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { InboundCallScreeningEnum, TollFreeVerificationStatusEnum } from './enums.js';
import { inputId } from './global-id.js';
import { asPayload, mutationPayload } from './mutation-payload.js';

const PhoneNumberPayload = mutationPayload<{ phoneNumber: PhoneNumber }>('PhoneNumberPayload', { rows: { phoneNumber: 'PhoneNumber' } });

const ConfigurePhoneNumberInput = builder.inputType('ConfigurePhoneNumberInput', {
  description: 'Only the fields you give change; null clears an optional field.',
  fields: (t) => ({
    id: t.id({ required: true }),
    customerReference: t.string({ description: 'At most 120 characters.' }),
    label: t.string({ description: 'At most 100 characters.' }),
    tags: t.stringList({ description: 'Replaces the tags: at most 20, each 1 to 50 characters, without ";" (the export\'s separator).' }),
    cnamLookupEnabled: t.boolean(),
    cnamDisplayName: t.string({ description: 'Caller ID name, at most 15 characters.' }),
    techPrefixEnabled: t.boolean(),
    inboundCallScreening: t.field({ type: InboundCallScreeningEnum }),
    messagingEnabled: t.boolean(),
    connectionId: t.id({ description: 'Global ID of one of your connections; null detaches the number.' }),
    forwardingNumber: t.field({ type: 'E164' }),
    assignedTo: t.string({ description: 'Campaign, sender pool or user the number is handed to; sets assignedAt. At most 200 characters.' }),
    allowInbound: t.boolean(),
    allowOutbound: t.boolean(),
    complianceProfileId: t.string({ description: 'At most 100 characters.' }),
    tfvStatus: t.field({
      type: TollFreeVerificationStatusEnum,
      deprecationReason: "Set by the carrier's toll-free verification, never by the API: sending it is READ_ONLY_FIELD.",
    }),
  }),
});

const ReleasePhoneNumberInput = builder.inputType('ReleasePhoneNumberInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  configurePhoneNumber: t.field({
    type: PhoneNumberPayload,
    args: { input: t.arg({ type: ConfigurePhoneNumberInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const { id, connectionId, ...fields } = input;
        const phoneNumberId = inputId(id, 'PhoneNumber', ['input', 'id']);
        const connection =
          connectionId === undefined ? {} : { connectionId: connectionId === null ? null : inputId(connectionId, 'Connection', ['input', 'connectionId']) };
        return { phoneNumber: await configureNumber(ctx.db, phoneNumberId, { ...fields, ...connection }) };
      }),
  }),
  releasePhoneNumber: t.field({
    type: PhoneNumberPayload,
    args: { input: t.arg({ type: ReleasePhoneNumberInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      asPayload(async () => {
        const phoneNumber = await releaseNumber(ctx.db, inputId(input.id, 'PhoneNumber', ['input', 'id']), ctx.services.quarantineDays);
        return { phoneNumber };
      }),
  }),
}));
