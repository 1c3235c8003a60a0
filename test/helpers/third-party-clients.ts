/**
 * Runs clients Freshet does not control, as a user would: Debian's AWS CLI v2
 * (by full path, because a pyenv-installed v1 may shadow it on PATH) and
 * Debian's python3 with python3-boto3. scripts/test.sh installs both when missing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Dummy credentials and no user configuration: Freshet accepts any credentials. */
export const THIRD_PARTY_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

/** `aws --endpoint-url <endpoint> --output json <args…>`; the parsed JSON output, or undefined when it printed nothing. */
export async function awsCli(endpoint: string, args: readonly string[]): Promise<any> {
  const { stdout } = await run('/usr/bin/aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], { env: THIRD_PARTY_ENV, timeout: 60_000 });
  return stdout.trim() ? JSON.parse(stdout) : undefined;
}

/** Runs `script` with Debian's python3 (`sys.argv[1:]` = args) and returns its stdout. */
export async function python3(script: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/python3', ['-c', script, ...args], { env: THIRD_PARTY_ENV, timeout: 60_000 });
  return stdout;
}
