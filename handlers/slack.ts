import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

// Placeholder until the Slack front door lands (issue 5).
export async function handler(_event: APIGatewayProxyEventV2, _context: Context): Promise<APIGatewayProxyResultV2> {
  return { statusCode: 501, body: 'not implemented' };
}
