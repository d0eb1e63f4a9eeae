import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

// yoga reads `variables` and `extensions` of a GET request (or a form-encoded POST)
// with JSON.parse and lets the SyntaxError through, which masking turns into an
// internal error. A parameter that is not JSON is the client's mistake: 400 and
// BAD_USER_INPUT naming the parameter. (A JSON POST body is refused by yoga itself.)

const jsonParameters = ['variables', 'extensions'] as const;

function badParameter(name: string, problem: string) {
  return new GraphQLError(`"${name}" must be a JSON object: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', field: [name], http: { status: 400 } } });
}

/** The first JSON parameter that does not parse, with the reason. */
function brokenParameter(params: URLSearchParams): { name: string; problem: string } | null {
  for (const name of jsonParameters) {
    const text = params.get(name);
    if (!text) continue;
    try {
      JSON.parse(text);
    } catch (error) {
      return { name, problem: (error as Error).message };
    }
  }
  return null;
}

export function requestParamsPlugin(): Plugin {
  return {
    // Runs after yoga's own hooks have picked the parser for this request; wraps it.
    onRequestParse({ request, url, requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (incoming) => {
        // A form body can be read once; keep a copy to find the broken parameter in.
        const copy =
          request.method !== 'GET' && (request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded') ? request.clone() : null;
        try {
          return await parse(incoming);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          const params = copy ? new URLSearchParams(await copy.text()) : url.searchParams;
          const broken = brokenParameter(params);
          throw broken ? badParameter(broken.name, broken.problem) : badParameter(jsonParameters.join(' or '), error.message);
        }
      });
    },
  };
}
