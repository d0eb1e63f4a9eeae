import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies development defaults to an empty environment', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: path.resolve('./.data'),
      redisUrl: undefined,
      logLevel: 'info',
      nodeEnv: 'development',
      cursorSecret: 'development-cursor-secret',
      seedDemoData: true,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://u:p@db:5432/numbers',
      DATA_DIR: '/var/lib/numbers',
      REDIS_URL: 'rediss://cache:6380',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'test',
      CURSOR_SECRET: 's3cret',
      SEED_DEMO_DATA: 'false',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://u:p@db:5432/numbers',
      dataDir: '/var/lib/numbers',
      redisUrl: 'rediss://cache:6380',
      logLevel: 'debug',
      nodeEnv: 'test',
      cursorSecret: 's3cret',
      seedDemoData: false,
    });
  });

  it('accepts postgres:// and redis:// and treats empty URLs as unset', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x', REDIS_URL: 'redis://y' })).toMatchObject({ databaseUrl: 'postgres://x', redisUrl: 'redis://y' });
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' })).toMatchObject({ databaseUrl: undefined, redisUrl: undefined });
  });

  it('accepts the port bounds', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('defaults production to no demo data and requires a cursor secret there', () => {
    const config = loadConfig({ NODE_ENV: 'production', CURSOR_SECRET: 'prod-secret' });
    expect(config).toMatchObject({ nodeEnv: 'production', cursorSecret: 'prod-secret', seedDemoData: false });
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['PORT', { PORT: '' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['CURSOR_SECRET', { NODE_ENV: 'production' }],
    ['CURSOR_SECRET', { NODE_ENV: 'production', CURSOR_SECRET: '' }],
    ['SEED_DEMO_DATA', { SEED_DEMO_DATA: 'yes' }],
  ] as [string, NodeJS.ProcessEnv][])('reports a bad %s (%o)', (variable, env) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(variable);
    expect(error.message).toContain(variable);
  });

  it('includes the offending value in the message', () => {
    expect(configError({ PORT: 'abc' }).message).toContain('"abc"');
    expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('"loud"');
    expect(configError({ NODE_ENV: 'staging' }).message).toContain('"staging"');
  });

  it('reports all problems at once', () => {
    const error = configError({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://x',
      LOG_LEVEL: 'loud',
      SEED_DEMO_DATA: 'yes',
      NODE_ENV: 'production',
    });
    expect(error.problems).toHaveLength(6);
    for (const variable of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'CURSOR_SECRET', 'SEED_DEMO_DATA']) {
      expect(error.message).toContain(variable);
    }
  });
});
