import path from 'node:path';

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  nodeEnv: 'development' | 'production' | 'test';
  /** Secret used to sign pagination cursors so a forged one is rejected. */
  cursorSecret: string;
  seedDemoData: boolean;
};

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const nodeEnvs = ['development', 'production', 'test'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];

  const portText = env.PORT ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) problems.push(`PORT must be an integer from 0 to 65535, got "${portText}"`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/.+/.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');

  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!logLevels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${env.LOG_LEVEL}"`);

  const nodeEnv = (env.NODE_ENV ?? 'development') as Config['nodeEnv'];
  if (!nodeEnvs.includes(nodeEnv)) problems.push(`NODE_ENV must be one of ${nodeEnvs.join(', ')}, got "${env.NODE_ENV}"`);

  const cursorSecret = env.CURSOR_SECRET ?? (nodeEnv === 'production' ? '' : 'development-cursor-secret');
  if (!cursorSecret) problems.push('CURSOR_SECRET must be set in production');

  const seedText = env.SEED_DEMO_DATA ?? (nodeEnv === 'production' ? 'false' : 'true');
  if (!['true', 'false'].includes(seedText)) problems.push(`SEED_DEMO_DATA must be true or false, got "${seedText}"`);

  if (problems.length) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR ?? './.data'),
    redisUrl,
    logLevel,
    nodeEnv,
    cursorSecret,
    seedDemoData: seedText === 'true',
  };
}
