import { awsEnvironment, type AwsEnvironment } from './credentials';
import { awsJsonCall, AwsServiceError } from './json-protocol';

export interface StartExecutionInput {
  stateMachineArn: string;
  /** Derived from the Slack request, so a duplicate request maps to the same execution. */
  name: string;
  input: unknown;
}

export interface StartedExecution {
  executionArn: string;
  /** True when an execution of that name already existed: the duplicate did not start a second one. */
  alreadyStarted: boolean;
}

// Execution names: 1-80 characters of letters, digits, `-` and `_` (other characters break CloudWatch).
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Starts a Step Functions execution (JSON 1.0 protocol). Idempotent: a name that already exists — the same
 * request delivered twice, hence the same input — counts as started.
 */
export async function startExecution(request: StartExecutionInput, aws: AwsEnvironment = awsEnvironment()): Promise<StartedExecution> {
  if (!EXECUTION_NAME.test(request.name)) {
    throw new Error(`invalid Step Functions execution name ${JSON.stringify(request.name)}: use 1-80 of [A-Za-z0-9_-]`);
  }
  try {
    const result = await awsJsonCall<{ executionArn: string }>(aws, {
      service: 'states',
      target: 'AWSStepFunctions.StartExecution',
      jsonVersion: '1.0',
      body: { stateMachineArn: request.stateMachineArn, name: request.name, input: JSON.stringify(request.input) },
      timeoutMs: 2000,
    });
    return { executionArn: result.executionArn, alreadyStarted: false };
  } catch (error) {
    if (error instanceof AwsServiceError && error.code === 'ExecutionAlreadyExists') {
      return { executionArn: executionArn(request.stateMachineArn, request.name), alreadyStarted: true };
    }
    throw error;
  }
}
