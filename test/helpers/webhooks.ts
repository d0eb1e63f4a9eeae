import { expect } from 'vitest';
import type { Tenant, TestServer } from './server.js';

// Webhook test steps through the API: make an endpoint, make events, wait for them at a receiver.

const CreateEndpoint = `mutation C($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { signingSecret webhookEndpoint { id url status eventTypes } errors { code field message } }
}`;

export const EndpointAttempts = `query A($id: ID!) { node(id: $id) { ... on WebhookEndpoint { status disabledReason consecutiveFailures
  deliveryAttempts(first: 100) { totalCount edges { node { eventId attempt succeeded statusCode error responseBody durationMs
    delivery { status attempts event { eventId type } } } } } } } }`;

type AttemptNode = {
  eventId: string;
  attempt: number;
  succeeded: boolean;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
  delivery: { status: string; attempts: number; event: { eventId: string; type: string } };
};

export type EndpointState = {
  status: string;
  disabledReason: string | null;
  consecutiveFailures: number;
  deliveryAttempts: { totalCount: number; edges: Array<{ node: AttemptNode }> };
};

export async function createEndpoint(server: TestServer, tenant: Tenant, input: Record<string, unknown>) {
  const response = await server.graphql<{ createWebhookEndpoint: { signingSecret: string; webhookEndpoint: { id: string }; errors: unknown[] } }, unknown>(
    tenant.keys.ADMIN,
    CreateEndpoint,
    { input },
  );
  expect(response.errors).toBeUndefined();
  expect(response.data?.createWebhookEndpoint.errors).toEqual([]);
  const { signingSecret, webhookEndpoint } = response.data!.createWebhookEndpoint;
  return { id: webhookEndpoint.id, secret: signingSecret };
}

export async function endpointState(server: TestServer, tenant: Tenant, id: string): Promise<EndpointState> {
  const response = await server.graphql<{ node: EndpointState }, unknown>(tenant.keys.ADMIN, EndpointAttempts, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.node;
}

const CreateKey = `mutation K($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } errors { code } } }`;
const RevokeKey = `mutation R($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { errors { code } } }`;

/** `count` API_KEY_REVOKED events (keys made and revoked): events that cost nothing and need no stock. */
export async function revokedKeyEvents(server: TestServer, tenant: Tenant, count: number) {
  for (let index = 0; index < count; index++) {
    const made = await server.graphql<{ createApiKey: { apiKey: { id: string } } }, unknown>(tenant.keys.ADMIN, CreateKey, {
      input: { name: `webhook test ${index}`, role: 'READ_ONLY' },
    });
    const revoked = await server.graphql(tenant.keys.ADMIN, RevokeKey, { input: { id: made.data!.createApiKey.apiKey.id } });
    expect(revoked.errors).toBeUndefined();
  }
}
