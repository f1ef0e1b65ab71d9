// A loopback stand-in for the Step Functions StartExecution API (AWS JSON 1.0), recording what was started.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStepFunctions {
  url: string;
  started: { name: string; input: { job: Record<string, unknown> } }[];
  close(): Promise<void>;
}

export async function startFakeStepFunctions(): Promise<FakeStepFunctions> {
  const started: FakeStepFunctions['started'] = [];
  const names = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; input: string; stateMachineArn: string };
      if (req.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'UnknownOperation', message: 'no' }));
        return;
      }
      if (names.has(body.name)) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'ExecutionAlreadyExists', message: 'exists' }));
        return;
      }
      names.add(body.name);
      started.push({ name: body.name, input: JSON.parse(body.input) as FakeStepFunctions['started'][number]['input'] });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ executionArn: `${body.stateMachineArn.replace(':stateMachine:', ':execution:')}:${body.name}`, startDate: 1 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    started,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
