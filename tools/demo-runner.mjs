// Stand-in for the runner image in local development and e2e: the simulated
// cluster runs a Job's command as a local process, and this is that command.
// It prints what a runner would log and exits 0 (or STAGELINE_DEMO_EXIT_CODE).
const env = process.env;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const steps = Number(env.STAGELINE_DEMO_STEPS ?? '3');
const delay = Number(env.STAGELINE_DEMO_STEP_MS ?? '150');

console.log(`stageline runner: run ${env.STAGELINE_RUN_ID} attempt ${env.STAGELINE_ATTEMPT_NO}`);
console.log(`repository ${env.STAGELINE_REPOSITORY_FULL_NAME} issue #${env.STAGELINE_ISSUE_NUMBER} stage ${env.STAGELINE_RUN_TRIGGER_KIND} agent ${env.STAGELINE_AGENT_KEY}`);
for (let i = 1; i <= steps; i += 1) {
  await wait(delay);
  console.log(`step ${i}/${steps} done`);
}
const code = Number(env.STAGELINE_DEMO_EXIT_CODE ?? '0');
console.log(code === 0 ? 'runner finished' : `runner failed with ${code}`);
process.exit(code);
