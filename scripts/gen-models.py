#!/usr/bin/env python3
"""Generates src/aws/models/<service>.ts from AWS's published service models.

Reads botocore's service-2.json for each service below from the Debian packages the tests install
(awscli's bundled copy first, the newest on Debian; then python3-botocore's), applies the committed
overlay scripts/model-overlays/<service>.json (what AWS added after those models, each entry citing
its source), and writes one TypeScript module per service: the model as data (operations with HTTP
bindings, shapes with constraints and wire traits; no documentation) and TypeScript types for every
structure, plus one interface mapping each operation to its input and output types.

    python3 scripts/gen-models.py [--out DIR]        # default src/aws/models
    npx biome format --write src/aws/models          # the committed files are Biome-formatted

Python standard library only. test/aws/models.test.ts regenerates into a temporary directory and
fails if the committed files differ.

Overlay files: {"entries": [{"cite": "...", "metadata": {...}, "operations": {...}, "shapes": {...}}]}.
Entries apply in order. metadata keys are set; an operation is added or replaced whole; a new shape
is added whole; for an existing shape, keys are set except "members" (merged member by member),
"addRequired" (appended to "required") and "memberOrder" (members listed first, in that order: the
order AWS reports validation errors in, where it is not the model's).
"""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [
    '/usr/lib/python3/dist-packages/awscli/botocore/data',
    '/usr/lib/python3/dist-packages/botocore/data',
]
OVERLAYS = os.path.join(ROOT, 'scripts', 'model-overlays')

# service directory, API version, exported name stem
SERVICES = [
    ('kinesis', '2013-12-02', 'kinesis', 'Kinesis'),
    ('firehose', '2015-08-04', 'firehose', 'Firehose'),
    ('kinesisanalytics', '2015-08-14', 'kinesisAnalytics', 'KinesisAnalytics'),
    ('kinesisanalyticsv2', '2018-05-23', 'kinesisAnalyticsV2', 'KinesisAnalyticsV2'),
    ('lambda', '2015-03-31', 'lambda', 'Lambda'),
    ('sqs', '2012-11-05', 'sqs', 'Sqs'),
    ('cloudwatch', '2010-08-01', 'cloudWatch', 'CloudWatch'),
    ('lookoutmetrics', '2017-07-25', 'lookoutMetrics', 'LookoutMetrics'),
    ('iam', '2010-05-08', 'iam', 'Iam'),
    ('sts', '2011-06-15', 'sts', 'Sts'),
    ('logs', '2014-03-28', 'logs', 'Logs'),
]

METADATA_KEYS = ['apiVersion', 'endpointPrefix', 'signingName', 'serviceId', 'protocol', 'protocols', 'jsonVersion',
                 'targetPrefix', 'xmlNamespace', 'awsQueryCompatible', 'globalEndpoint', 'uid']
OPERATION_KEYS = ['http', 'input', 'output', 'resultWrapper', 'errors', 'endpoint', 'authtype', 'deprecated']
SHAPE_KEYS = ['type', 'members', 'required', 'member', 'key', 'value', 'min', 'max', 'pattern', 'enum', 'flattened',
              'locationName', 'timestampFormat', 'streaming', 'eventstream', 'event', 'exception', 'fault', 'error',
              'payload', 'union', 'document', 'wrapper', 'xmlNamespace']
MEMBER_KEYS = ['shape', 'location', 'locationName', 'queryName', 'flattened', 'xmlAttribute', 'xmlNamespace',
               'timestampFormat', 'jsonvalue', 'idempotencyToken', 'hostLabel', 'eventpayload', 'eventheader', 'streaming']

# Names a generated interface must not take (they would shadow globals the types use).
RESERVED = {'Record', 'Array', 'Date', 'Error', 'Object', 'String', 'Number', 'Boolean', 'Map', 'Set', 'Promise',
            'Function', 'Symbol', 'Uint8Array', 'Partial', 'Readonly', 'ServiceModel'}


def load_model(service, version):
    for base in SOURCES:
        path = os.path.join(base, service, version, 'service-2.json')
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                return json.load(f), path
    sys.exit(f'gen-models: no service-2.json for {service} {version} under {" or ".join(SOURCES)}; '
             'install Debian\'s awscli and python3-botocore (apt-get install awscli python3-botocore)')


def apply_overlay(model, service):
    path = os.path.join(OVERLAYS, f'{service}.json')
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as f:
        overlay = json.load(f)
    for entry in overlay.get('entries', []):
        if not entry.get('cite'):
            sys.exit(f'gen-models: an entry of {path} has no "cite"')
        for k, v in entry.get('metadata', {}).items():
            model['metadata'][k] = v
        for name, op in entry.get('operations', {}).items():
            model['operations'][name] = op
        for name, patch in entry.get('shapes', {}).items():
            shape = model['shapes'].get(name)
            if shape is None:
                model['shapes'][name] = patch
                continue
            for k, v in patch.items():
                if k == 'members':
                    shape.setdefault('members', {}).update(v)
                elif k == 'addRequired':
                    shape['required'] = shape.get('required', []) + [x for x in v if x not in shape.get('required', [])]
                elif k == 'memberOrder':
                    members = shape['members']
                    missing = [m for m in v if m not in members]
                    if missing:
                        sys.exit(f'gen-models: {path}: memberOrder of {name} names unknown members {missing}')
                    ordered = {m: members[m] for m in v}
                    ordered.update({m: s for m, s in members.items() if m not in ordered})
                    shape['members'] = ordered
                else:
                    shape[k] = v
    return os.path.relpath(path, ROOT)


def reachable(model):
    seen = set()
    stack = []
    for op in model['operations'].values():
        for k in ('input', 'output'):
            if k in op:
                stack.append(op[k]['shape'])
        stack.extend(e['shape'] for e in op.get('errors', []))
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in model['shapes']:
            sys.exit(f'gen-models: shape {name} is referenced but not defined')
        seen.add(name)
        s = model['shapes'][name]
        for m in s.get('members', {}).values():
            stack.append(m['shape'])
        for k in ('member', 'key', 'value'):
            if k in s:
                stack.append(s[k]['shape'])
    return seen


def pick(d, keys):
    return {k: d[k] for k in keys if k in d}


def member_data(m):
    return pick(m, MEMBER_KEYS)


def shape_data(s):
    out = {}
    for k in SHAPE_KEYS:
        if k not in s:
            continue
        v = s[k]
        if k == 'members':
            v = {name: member_data(m) for name, m in v.items()}
        elif k in ('member', 'key', 'value'):
            v = member_data(v)
        elif k == 'error':
            v = pick(v, ['code', 'httpStatusCode', 'senderFault'])
        out[k] = v
    return out


def operation_data(op):
    out = {'http': pick(op.get('http', {'method': 'POST', 'requestUri': '/'}), ['method', 'requestUri', 'responseCode'])}
    if 'input' in op:
        out['input'] = op['input']['shape']
    if 'output' in op:
        out['output'] = op['output']['shape']
        if 'resultWrapper' in op['output']:
            out['resultWrapper'] = op['output']['resultWrapper']
    out['errors'] = [e['shape'] for e in op.get('errors', [])]
    if 'endpoint' in op:
        out['endpoint'] = op['endpoint']
    if 'authtype' in op:
        out['authtype'] = op['authtype']
    if op.get('deprecated'):
        out['deprecated'] = True
    return out


IDENT = re.compile(r'^[A-Za-z_$][A-Za-z0-9_$]*$')


def ts_key(k):
    return k if IDENT.match(k) else json.dumps(k)


def ts_value(v, indent=0):
    pad = '  ' * (indent + 1)
    end = '  ' * indent
    if isinstance(v, dict):
        if not v:
            return '{}'
        items = [f'{pad}{ts_key(k)}: {ts_value(x, indent + 1)},' for k, x in v.items()]
        return '{\n' + '\n'.join(items) + f'\n{end}}}'
    if isinstance(v, list):
        if not v:
            return '[]'
        if all(not isinstance(x, (dict, list)) for x in v):
            return '[' + ', '.join(ts_value(x) for x in v) + ']'
        return '[\n' + '\n'.join(f'{pad}{ts_value(x, indent + 1)},' for x in v) + f'\n{end}]'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


class Types:
    """TypeScript types for the model's shapes: structures become interfaces, the rest inline types."""

    def __init__(self, model, names):
        self.shapes = model['shapes']
        self.names = names  # shape name → interface name

    def of(self, name):
        s = self.shapes[name]
        t = s['type']
        if t == 'structure':
            if s.get('document'):
                return 'unknown'
            if s.get('eventstream'):
                return 'unknown'
            return self.names[name]
        if t == 'string':
            if 'enum' in s:
                return ' | '.join(json.dumps(e) for e in s['enum'])
            return 'string'
        if t in ('integer', 'long', 'float', 'double', 'bigdecimal', 'biginteger', 'byte', 'short'):
            return 'number'
        if t == 'boolean':
            return 'boolean'
        if t == 'blob':
            return 'Uint8Array'
        if t == 'timestamp':
            return 'number'
        if t == 'list':
            inner = self.of(s['member']['shape'])
            return f'({inner})[]' if ' ' in inner else f'{inner}[]'
        if t == 'map':
            return f'Record<string, {self.of(s["value"]["shape"])}>'
        return 'unknown'

    def interface(self, name):
        s = self.shapes[name]
        required = set(s.get('required', []))
        if not s.get('members'):
            return f'export type {self.names[name]} = Record<string, never>;'
        lines = [f'export interface {self.names[name]} {{']
        for m, spec in s.get('members', {}).items():
            opt = '' if m in required else '?'
            lines.append(f'  {ts_key(m)}{opt}: {self.of(spec["shape"])};')
        lines.append('}')
        return '\n'.join(lines)


def generate(service, version, stem, type_stem):
    model, source = load_model(service, version)
    overlay = apply_overlay(model, service)
    meta = model['metadata']
    if 'protocols' not in meta:
        meta['protocols'] = [meta['protocol']]
    if 'signingName' not in meta:
        meta['signingName'] = meta['endpointPrefix']
    if 'awsQueryCompatible' in meta:
        meta['awsQueryCompatible'] = True
    shapes = sorted(reachable(model))
    structures = [n for n in shapes if model['shapes'][n]['type'] == 'structure'
                  and not model['shapes'][n].get('document') and not model['shapes'][n].get('eventstream')]
    names = {n: (n + '_' if n in RESERVED or n == f'{type_stem}Operations' else n) for n in structures}
    types = Types(model, names)

    source_rel = source.replace('/usr/lib/python3/dist-packages/', '')
    out = [
        f'// Generated by scripts/gen-models.py from {source_rel}' + (f' and {overlay}' if overlay else '') + '.',
        '// Do not edit: change the overlay or the generator and regenerate (see the script\'s header).',
        "import type { ServiceModel } from '../model.ts';",
        '',
    ]
    for n in structures:
        out.append(types.interface(n))
        out.append('')
    out.append(f'/** Each {meta["serviceId"]} operation\'s input and output types. */')
    out.append(f'export interface {type_stem}Operations {{')
    for op_name in sorted(model['operations']):
        op = model['operations'][op_name]
        inp = types.of(op['input']['shape']) if 'input' in op else 'Record<string, never>'
        outp = types.of(op['output']['shape']) if 'output' in op else 'undefined'
        out.append(f'  {op_name}: {{ input: {inp}; output: {outp} }};')
    out.append('}')
    out.append('')
    data = {
        'metadata': pick(meta, METADATA_KEYS),
        'operations': {name: operation_data(model['operations'][name]) for name in sorted(model['operations'])},
        'shapes': {name: shape_data(model['shapes'][name]) for name in shapes},
    }
    out.append(f'export const {stem}Model: ServiceModel<{type_stem}Operations> = {ts_value(data)};')
    out.append('')
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default=os.path.join(ROOT, 'src', 'aws', 'models'), help='output directory (default src/aws/models)')
    ap.add_argument('--service', action='append', help='only this service (repeatable)')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for service, version, stem, type_stem in SERVICES:
        if args.service and service not in args.service:
            continue
        text = generate(service, version, stem, type_stem)
        with open(os.path.join(args.out, f'{service}.ts'), 'w', encoding='utf-8') as f:
            f.write(text)
        print(f'gen-models: {service}.ts', file=sys.stderr)


if __name__ == '__main__':
    main()
