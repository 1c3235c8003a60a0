#!/usr/bin/env python3
"""Writes overlay entries for what a newer botocore adds to a service model (run by hand, never by a build).

    python3 scripts/model-overlays/port.py [--constraints] <newer botocore data dir> <service> [<service> ...]

For each service, compares the newer service-2.json with the Debian copy gen-models.py reads and
appends to scripts/model-overlays/<service>.json one entry per operation the newer model adds (with
every shape it needs that the Debian model lacks) and one entry per existing structure that gained
members (with their new shapes). Constraint changes of existing shapes (min, max, pattern, enum) are
ported only with --constraints: the Debian model's constraints are the ones Freshet's tests pin, so
taking AWS's newer ones is a deliberate choice per service.
Entries cite the newer model's botocore version and file.
"""
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
gen = __import__('gen-models')

DROP = {'documentation', 'deprecatedMessage', 'box', 'sensitive', 'contextParam', 'staticContextParams',
        'operationContextParams', 'requestcompression', 'httpChecksum', 'documentationUrl', 'xmlOrder', 'synthetic'}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


def load(path):
    if os.path.exists(path):
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    with gzip.open(path + '.gz', 'rt', encoding='utf-8') as f:
        return json.load(f)


def refs(shape):
    for m in shape.get('members', {}).values():
        yield m['shape']
    for k in ('member', 'key', 'value'):
        if k in shape:
            yield shape[k]['shape']


def closure(new, old, roots):
    """Shapes reachable from roots that the old model does not define."""
    out, stack = {}, list(roots)
    while stack:
        name = stack.pop()
        if name in out or name in old['shapes']:
            continue
        out[name] = clean(new['shapes'][name])
        stack.extend(refs(new['shapes'][name]))
    return out


def main():
    args = sys.argv[1:]
    constraints = '--constraints' in args
    args = [a for a in args if a != '--constraints']
    if len(args) < 2:
        sys.exit(__doc__)
    newer_dir = args[0]
    version = 'unknown'
    init = os.path.join(os.path.dirname(newer_dir.rstrip('/')), '__init__.py')
    if os.path.exists(init):
        for line in open(init, encoding='utf-8'):
            if line.startswith('__version__'):
                version = line.split('=')[1].strip().strip('\'"')
    for service in args[1:]:
        api = next(v for s, v, _, _ in gen.SERVICES if s == service)
        old, _ = gen.load_model(service, api)
        new = load(os.path.join(newer_dir, service, api, 'service-2.json'))
        cite = f'botocore {version}, data/{service}/{api}/service-2.json (AWS\'s published model, newer than Debian\'s)'
        path = os.path.join(HERE, f'{service}.json')
        overlay = {'entries': []}
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                overlay = json.load(f)
        entries = overlay['entries']
        for op in sorted(set(new['operations']) - set(old['operations'])):
            spec = clean(new['operations'][op])
            roots = [spec[k]['shape'] for k in ('input', 'output') if k in spec] + [e['shape'] for e in spec.get('errors', [])]
            entries.append({'cite': f'{cite}: operation {op}', 'operations': {op: spec}, 'shapes': closure(new, old, roots)})
        for op in sorted(set(new['operations']) & set(old['operations'])):
            o_err = [e['shape'] for e in old['operations'][op].get('errors', [])]
            n_err = [e['shape'] for e in new['operations'][op].get('errors', [])]
            added = [e for e in n_err if e not in o_err]
            if not added:
                continue
            spec = clean(old['operations'][op])
            spec['errors'] = [{'shape': e} for e in o_err + added]
            entries.append({'cite': f'{cite}: errors {", ".join(added)} of operation {op}', 'operations': {op: spec},
                            'shapes': closure(new, old, added)})
        for name in sorted(old['shapes']):
            o, n = old['shapes'][name], new['shapes'].get(name)
            if not n or o.get('type') != 'structure' or n.get('type') != 'structure':
                continue
            added = [m for m in n['members'] if m not in o['members']]
            if not added:
                continue
            shapes = {name: {'members': {m: clean(n['members'][m]) for m in added}}}
            req = [m for m in n.get('required', []) if m in added]
            if req:
                shapes[name]['addRequired'] = req
            shapes.update(closure(new, old, [n['members'][m]['shape'] for m in added]))
            entries.append({'cite': f'{cite}: members {", ".join(added)} of {name}', 'shapes': shapes})
        for name in sorted(old['shapes']) if constraints else []:
            o, n = old['shapes'][name], new['shapes'].get(name)
            if not n:
                continue
            changed = {k: n[k] for k in ('min', 'max', 'pattern', 'enum') if k in n and o.get(k) != n[k]}
            if changed:
                entries.append({'cite': f'{cite}: {", ".join(changed)} of {name}', 'shapes': {name: changed}})
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(overlay, f, indent=2, ensure_ascii=False)
            f.write('\n')
        print(f'port: {service}: {len(entries)} entries', file=sys.stderr)


if __name__ == '__main__':
    main()
