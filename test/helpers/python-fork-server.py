# Runs Debian's AWS CLI and python3 scripts for the tests without paying Python's start-up for every call.
#
# Started by third-party-clients.ts once per test file and kind: `python-fork-server.py aws` imports the AWS
# CLI (v2, whose own botocore takes the name `botocore`), `python-fork-server.py python` imports boto3 with
# Debian's botocore; each loads the service models the tests use once. Then each request is served in a forked
# child: it runs the AWS CLI's entry point (what /usr/bin/aws runs) or the script (what `python3 -c` runs) with
# the request's argv, its stdout and stderr going to the files the request names, and exits with the command's
# exit code. A child changes only its own copy of the warmed-up state, so every call starts from the same state.
#
# Protocol: one JSON request per line on stdin, {"id", "argv", "script", "out", "err", "env"?}; one JSON line per
# finished request on stdout, {"id", "code"}. EOF on stdin ends the server. A request's `env` is set in its
# child's environment before the command runs (the warmed-up session has read no credentials yet, so the call
# signs with the keys its environment gives, as a fresh `aws` process would).
import json
import os
import sys
import threading

if os.environ.get('LC_CTYPE', '') == 'UTF-8':  # as /usr/bin/aws does
    os.environ['LC_CTYPE'] = 'en_US.UTF-8'

KIND = sys.argv[1]
SERVICES = ('kinesis', 'firehose', 'kinesisanalytics', 'kinesisanalyticsv2', 'cloudwatch', 'sqs', 'lambda',
            'lookoutmetrics', 'sts', 'iam', 's3', 'logs')

if KIND == 'aws':
    import awscli.clidriver

    driver = awscli.clidriver.create_clidriver()
    driver._get_command_table()  # the CLI's table of services and commands, which every `aws` call builds
    session = driver.session
else:
    import boto3

    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION._session
for name in SERVICES:
    try:
        session.get_service_model(name)
    except Exception:  # a service this botocore lacks: loaded on demand, as without the server
        pass

protocol = sys.stdout.fileno()
lock = threading.Lock()


def reply(message):
    data = (json.dumps(message) + '\n').encode()
    with lock:
        os.write(protocol, data)


def child(req):
    out = os.open(req['out'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(req['err'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(0, closefd=False)
    os.environ.update(req.get('env') or {})
    code = 0
    try:
        if KIND == 'aws':
            sys.argv = ['aws', *req['argv']]
            code = driver.main(req['argv'])
        else:
            sys.argv = ['-c', *req['argv']]
            exec(compile(req['script'], '<string>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            sys.stderr.write(f'{e.code}\n')
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code if isinstance(code, int) else 1)


def wait(rid, pid):
    _, status = os.waitpid(pid, 0)
    reply({'id': rid, 'code': os.waitstatus_to_exitcode(status)})


reply({'ready': True})
for line in sys.stdin:
    if not line.strip():
        continue
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(req)
    threading.Thread(target=wait, args=(req['id'], pid), daemon=True).start()
