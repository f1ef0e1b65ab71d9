// Starts a job as a Step Functions execution named by the job id: a duplicate request cannot start two.
import { startExecution } from '../aws/stepfunctions';
import type { Job, JobDispatcher } from './job';

export function awsDispatcher(stateMachineArn: string, start: typeof startExecution = startExecution): JobDispatcher {
  return {
    async start(job: Job) {
      const started = await start({ stateMachineArn, name: job.id, input: { job } });
      return { jobId: job.id, alreadyStarted: started.alreadyStarted };
    },
  };
}
