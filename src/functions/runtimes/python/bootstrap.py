"""Freshet's Python runtime client: an ordinary Lambda Runtime API client.

Run as the function's process (cwd = LAMBDA_TASK_ROOT). It does what AWS's
Python runtimes (awslambdaric) do, in its own code: handler resolution from
_HANDLER (`package/module.function`), the Runtime.* errors (ImportModuleError,
HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError), the context
object, error responses {errorMessage, errorType, requestId, stackTrace} and
the `logging` format `[LEVEL]\t<time>\t<requestId>\t<message>`.

AWS_ENDPOINT_URL points SDKs at Freshet; botocore before 1.31 ignores it, so
for those versions botocore.session.Session.create_client is wrapped (when
and if the function imports botocore) to pass it as endpoint_url.
"""
import http.client
import importlib
import importlib.abc
import importlib.util
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
BASE = "/2018-06-01/runtime"
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())

_conn = None
_request_id = None


def _call(method, path, body=None, headers=None):
    global _conn
    for attempt in (0, 1):
        if _conn is None:
            host, port = API.split(":")
            _conn = http.client.HTTPConnection(host, int(port))
        try:
            _conn.request(method, BASE + path, body=body, headers=headers or {})
            res = _conn.getresponse()
            data = res.read()
            return res.status, res.headers, data
        except (ConnectionError, http.client.HTTPException, OSError):
            _conn.close()
            _conn = None
            if attempt == 1:
                # The Runtime API is gone (Freshet stopped): nothing is left to answer to.
                os._exit(1)


def _post(path, payload, error_type=None):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    _call("POST", path, body=payload.encode("utf-8"), headers=headers)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    fmt = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)


class _BotocoreEndpointShim(importlib.abc.MetaPathFinder):
    """Passes AWS_ENDPOINT_URL to clients created by botocore releases that do not read it."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            try:
                import botocore

                major, minor = (int(x) for x in botocore.__version__.split(".")[:2])
                if (major, minor) >= (1, 31):
                    return
            except Exception:
                return
            url = os.environ.get("AWS_ENDPOINT_URL")
            original = module.Session.create_client

            def create_client(self, *args, **kwargs):
                if len(args) < 5 and kwargs.get("endpoint_url") is None and url:
                    kwargs["endpoint_url"] = url
                return original(self, *args, **kwargs)

            module.Session.create_client = create_client

        spec.loader.exec_module = patched
        return spec


class LambdaContext:
    def __init__(self, request_id, deadline_ms, invoked_arn, identity, client_context):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = identity
        self.client_context = client_context
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return int(max(self._deadline_ms - time.time() * 1000, 0))


class _RuntimeError(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = "Runtime." + kind


def _error_response(e, trace=None):
    if isinstance(e, _RuntimeError):
        etype = e.kind
    else:
        etype = type(e).__name__
    stack = traceback.format_list(trace) if trace is not None else traceback.format_list(traceback.extract_tb(e.__traceback__))
    return {"errorMessage": str(e), "errorType": etype, "requestId": _request_id or "", "stackTrace": stack}


def _log_error(resp):
    lines = ["[ERROR] " + resp["errorType"] + ": " + resp["errorMessage"]]
    if resp["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in resp["stackTrace"])
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def _load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise _RuntimeError("MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise ImportError("Cannot use built-in module {} as a handler module".format(modname))
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _RuntimeError("ImportModuleError", "Unable to import module '{}': {}".format(modname, e))
    except SyntaxError as e:
        raise _RuntimeError("UserCodeSyntaxError", "Syntax error in module '{}': {}".format(modname, e))
    fn = getattr(module, fname, None)
    if fn is None:
        raise _RuntimeError("HandlerNotFound", "Handler '{}' missing on module '{}'".format(fname, modname))
    return fn


def main():
    global _request_id
    # The task root replaces this script's directory at the head of the path.
    sys.path[0] = TASK_ROOT
    sys.meta_path.insert(0, _BotocoreEndpointShim())
    _setup_logging()
    try:
        handler = _load_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        resp = _error_response(e, [] if isinstance(e, _RuntimeError) else None)
        _log_error(resp)
        _post("/init/error", json.dumps(resp), resp["errorType"])
        sys.exit(1)
    while True:
        status, headers, body = _call("GET", "/invocation/next")
        if status != 200:
            sys.exit(1)
        _request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)

        def header_json(name):
            v = headers.get(name)
            try:
                return json.loads(v) if v else None
            except ValueError:
                return None

        context = LambdaContext(
            _request_id,
            int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            header_json("Lambda-Runtime-Cognito-Identity"),
            header_json("Lambda-Runtime-Client-Context"),
        )
        try:
            event = json.loads(body.decode("utf-8"))
            result = handler(event, context)
            try:
                payload = json.dumps(result)
            except (TypeError, ValueError) as e:
                resp = {"errorMessage": "Unable to marshal response: {}".format(e), "errorType": "Runtime.MarshalError", "requestId": _request_id, "stackTrace": []}
                _log_error(resp)
                _post("/invocation/{}/error".format(_request_id), json.dumps(resp), resp["errorType"])
                continue
            _post("/invocation/{}/response".format(_request_id), payload)
        except Exception as e:
            tb = traceback.extract_tb(e.__traceback__)[1:]
            resp = _error_response(e, tb)
            _log_error(resp)
            _post("/invocation/{}/error".format(_request_id), json.dumps(resp), resp["errorType"])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


if __name__ == "__main__":
    main()
