import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { CountryCodeResolver } from 'graphql-scalars';

// graphql-scalars' PhoneNumber accepts "15125550100" and "+0123"; E.164 is
// stricter: a plus, a non-zero country code and 8 to 15 digits in all.
const e164Pattern = /^\+[1-9]\d{7,14}$/;

function parseE164(value: unknown): string {
  if (typeof value !== 'string' || !e164Pattern.test(value)) {
    throw new GraphQLError(`Value is not a valid E.164 phone number: ${JSON.stringify(value)} (expected e.g. "+15125550100")`);
  }
  return value;
}

export const E164Scalar = new GraphQLScalarType({
  name: 'E164',
  description:
    'A phone number in E.164 form (named E164 because PhoneNumber is the owned-number type): ' +
    '"+", country code and national number, 8 to 15 digits, e.g. "+15125550100".',
  serialize: (value) => value as string,
  parseValue: parseE164,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('A phone number must be a string in E.164 form');
    return parseE164(ast.value);
  },
});

/** ISO 3166-1 alpha-2, normalised to upper case. */
export const CountryCodeScalar = new GraphQLScalarType({
  name: 'CountryCode',
  description: CountryCodeResolver.description,
  serialize: (value) => value as string,
  parseValue: (value) => (CountryCodeResolver.parseValue(value) as string).toUpperCase(),
  parseLiteral: (ast, variables) => (CountryCodeResolver.parseLiteral(ast, variables) as string).toUpperCase(),
});
