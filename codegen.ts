import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents and a persisted-documents manifest (hash → document) for
// every operation this repository ships: tests, benchmarks and examples.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', '!src/generated/**'],
  ignoreNoDocuments: true,
  emitLegacyCommonJSImports: false,
  generates: {
    'src/generated/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: {
          DateTime: 'string',
          E164: 'string',
          CountryCode: 'string',
          UUID: 'string',
          Currency: 'string',
          NonNegativeInt: 'number',
        },
      },
    },
  },
};

export default config;
