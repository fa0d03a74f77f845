// Stand-in for the runner image in local development and e2e: the simulated
// cluster runs a Job's command as a local process, and this is that command.
// It prints what a runner would log and exits with the given code.
// Its behaviour comes from arguments (the Job's command): --steps N --step-ms MS --exit-code C,
// and --hold-file PATH: after the steps, wait until PATH exists (tests release a run
// at the moment they choose, instead of racing its duration).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

const env = process.env;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const { values } = parseArgs({ options: { steps: { type: 'string', default: '3' }, 'step-ms': { type: 'string', default: '150' }, 'exit-code': { type: 'string', default: '0' }, 'hold-file': { type: 'string' } } });
const steps = Number(values.steps);
const delay = Number(values['step-ms']);

console.log(`stageline runner: run ${env.STAGELINE_RUN_ID} attempt ${env.STAGELINE_ATTEMPT_NO}`);
console.log(`repository ${env.STAGELINE_REPOSITORY_FULL_NAME} issue #${env.STAGELINE_ISSUE_NUMBER} stage ${env.STAGELINE_RUN_TRIGGER_KIND} agent ${env.STAGELINE_AGENT_KEY}`);
for (let i = 1; i <= steps; i += 1) {
  await wait(delay);
  console.log(`step ${i}/${steps} done`);
}
while (values['hold-file'] !== undefined && !existsSync(values['hold-file'])) {
  await wait(50);
}
const code = Number(values['exit-code']);
console.log(code === 0 ? 'runner finished' : `runner failed with ${code}`);
process.exit(code);
