import { createHash, createHmac } from 'node:crypto';
import { presignUrl, signRequest, type SigningScope } from '../../src/aws/sigv4';
import { eksToken, TOKEN_PREFIX } from '../../src/aws/eks-token';

// The published AWS SigV4 test suite (aws-sig-v4-test-suite, as maintained in awslabs/aws-c-auth
// tests/aws-signing-test-suite/v4): fixed credentials, region, service and time; expected signatures below.
const suite: SigningScope = {
  service: 'service',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  now: new Date('2015-08-30T12:36:00Z'),
};
const STS_EXAMPLE_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

interface Vector {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  sessionToken?: string;
  headerSigned: { signedHeaders: string; signature: string };
  querySigned: { signedHeaders: string; signature: string };
}

const vectors: Vector[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    headerSigned: { signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    querySigned: { signedHeaders: 'host', signature: 'e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d' },
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
    headerSigned: { signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
    querySigned: { signedHeaders: 'host', signature: '86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5' },
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    url: 'https://example.amazonaws.com/?ሴ=bar',
    headerSigned: { signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
    querySigned: { signedHeaders: 'host', signature: '0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600' },
  },
  {
    name: 'get-vanilla-with-session-token',
    method: 'GET',
    url: 'https://example.amazonaws.com/',
    sessionToken: '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267',
    headerSigned: {
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      signature: '07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8',
    },
    querySigned: { signedHeaders: 'host', signature: '7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c' },
  },
  {
    name: 'post-sts-header-before',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    sessionToken: STS_EXAMPLE_TOKEN,
    headerSigned: {
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead',
    },
    querySigned: { signedHeaders: 'host', signature: '46c2e3c63c1dbe7d39f8ada16fe7f001c1f56c5791441565323677f96308871c' },
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    url: 'https://example.amazonaws.com/',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': '13',
      'x-amz-content-sha256': '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    },
    body: 'Param1=value1',
    headerSigned: {
      signedHeaders: 'content-length;content-type;host;x-amz-content-sha256;x-amz-date',
      signature: 'd3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b',
    },
    querySigned: {
      signedHeaders: 'content-length;content-type;host',
      signature: '89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9',
    },
  },
];

function scopeFor(vector: Vector): SigningScope {
  return { ...suite, credentials: { ...suite.credentials, sessionToken: vector.sessionToken } };
}

describe('SigV4 header signing reproduces the AWS test suite', () => {
  it.each(vectors)('$name', (vector) => {
    const headers = signRequest(
      { method: vector.method, url: vector.url, headers: vector.headers, body: vector.body },
      scopeFor(vector),
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        `SignedHeaders=${vector.headerSigned.signedHeaders}, Signature=${vector.headerSigned.signature}`,
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.host).toBe('example.amazonaws.com');
  });
});

describe('SigV4 query presigning reproduces the AWS test suite', () => {
  it.each(vectors)('$name', (vector) => {
    // The presign vectors sign only the request's own headers (the x-amz-content-sha256 is a header-mode artefact).
    const headers = vector.headers && { 'Content-Type': vector.headers['Content-Type']!, 'Content-Length': '13' };
    const url = new URL(
      presignUrl({ method: vector.method, url: vector.url, headers, body: vector.body }, { ...scopeFor(vector), expiresInSeconds: 3600 }),
    );
    const query = url.searchParams;
    expect(query.get('X-Amz-Signature')).toBe(vector.querySigned.signature);
    expect(query.get('X-Amz-SignedHeaders')).toBe(vector.querySigned.signedHeaders);
    expect(query.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20150830/us-east-1/service/aws4_request');
    expect(query.get('X-Amz-Expires')).toBe('3600');
    expect(query.get('X-Amz-Security-Token')).toBe(vector.sessionToken ?? null);
    for (const [key, value] of new URL(vector.url).searchParams) expect(query.get(key)).toBe(value);
  });
});

// The last two steps of SigV4 (string to sign, HMAC key chain), from the AWS documentation, so that a test can
// state the canonical request it expects literally and check the signer's signature against it.
function signatureOf(canonicalRequest: string, scope: SigningScope, amzDate: string): string {
  const day = amzDate.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = [day, scope.region, scope.service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => createHmac('sha256', k).update(part).digest(),
    `AWS4${scope.credentials.secretAccessKey}`,
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

const PINNED_EKS_SIGNATURE = '9b8b7a1297d324b73024e693f8aec85d6d343153337aa739ea01e045456b4851';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('SigV4 path encoding for services other than S3', () => {
  // AWS encodes each segment of the path as sent (already percent-encoded) once more: `%` becomes `%25`. A URL
  // always sends its path percent-encoded, so `/ሴ` goes out as `/%E1%88%B4` and is signed as `/%25E1%2588%25B4`.
  // (The suite's get-utf8 vector signs `/%E1%88%B4` for a request line carrying the raw UTF-8 bytes, which
  // fetch and node:https never send.)
  it.each([
    ['https://example.amazonaws.com/a%20b/', '/a%2520b/'],
    ['https://example.amazonaws.com/%E1%88%B4', '/%25E1%2588%25B4'],
    ['https://example.amazonaws.com/ሴ', '/%25E1%2588%25B4'],
    ['https://example.amazonaws.com/a/b.c-d_e~f', '/a/b.c-d_e~f'],
  ])('%s is signed with canonical URI %s', (url, canonicalUri) => {
    const canonical = ['GET', canonicalUri, '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_SHA256].join('\n');
    const headers = signRequest({ method: 'GET', url }, suite);
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        `SignedHeaders=host;x-amz-date, Signature=${signatureOf(canonical, suite, '20150830T123600Z')}`,
    );
  });
});

describe('a body without a content-length header', () => {
  // fetch sets content-length itself, and the undici that Bolt bundles refuses one from the caller.
  it('is signed without content-length, and no content-length is returned to send', () => {
    const body = '{"name":"é"}';
    const headers = signRequest({ method: 'POST', url: 'https://states.eu-west-1.amazonaws.com/', headers: { 'Content-Type': 'application/x-amz-json-1.0' }, body }, suite);
    expect(headers['content-length']).toBeUndefined();
    expect(headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-date,');
    const canonical = [
      'POST',
      '/',
      '',
      'content-type:application/x-amz-json-1.0',
      'host:states.eu-west-1.amazonaws.com',
      'x-amz-date:20150830T123600Z',
      '',
      'content-type;host;x-amz-date',
      createHash('sha256').update(body).digest('hex'),
    ].join('\n');
    expect(headers.authorization).toContain(`Signature=${signatureOf(canonical, suite, '20150830T123600Z')}`);
  });
});

describe('the EKS token: a presigned STS GetCallerIdentity that signs x-k8s-aws-id', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
  const token = eksToken({ clusterName: 'prod-mesh', region: 'eu-west-1', credentials, now: new Date('2026-11-24T19:00:00Z') });
  const url = new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));

  it('signs the canonical request EKS (through STS) recomputes', () => {
    const canonical = [
      'GET',
      '/',
      'Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIDEXAMPLE%2F20261124%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20261124T190000Z' +
        '&X-Amz-Expires=60&X-Amz-Security-Token=session%2Ftoken%2B%3D&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
      'host:sts.eu-west-1.amazonaws.com',
      'x-k8s-aws-id:prod-mesh',
      '',
      'host;x-k8s-aws-id',
      EMPTY_SHA256,
    ].join('\n');
    const scope = { service: 'sts', region: 'eu-west-1', credentials };
    expect(url.searchParams.get('X-Amz-Signature')).toBe(signatureOf(canonical, scope, '20261124T190000Z'));
    // The value the hand-written signer produced before the switch to aws4, kept as a regression pin.
    expect(url.searchParams.get('X-Amz-Signature')).toBe(PINNED_EKS_SIGNATURE);
  });

  it('carries the session token and the expiry in the query, and nothing in headers', () => {
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session/token+=');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
  });
});
