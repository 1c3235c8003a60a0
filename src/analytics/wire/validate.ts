/**
 * Edge validation for the KinesisAnalytics_20150814 JSON 1.1 API.
 *
 * Request shapes (wire/shapes.ts) are written in the service model's own terms
 * (min/max, pattern, enum, required members) and compiled once, at start-up,
 * by the server's shared validator, which answers with AWS's front-end texts:
 * wrong JSON types → SerializationException, constraint violations →
 * `N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy
 * constraint: Member must ...`.
 */
import { compileValidator as compileServerValidator, type Shape as ServerShape, type StructureShape } from '../../aws/index.ts';

export type Shape =
  | { t: 'string'; min?: number; max?: number; pattern?: string; enum?: readonly string[] }
  | { t: 'integer' | 'long'; min?: number; max?: number }
  | { t: 'boolean' }
  | { t: 'timestamp' }
  | { t: 'list'; member: Shape; min?: number; max?: number }
  | { t: 'structure'; members: Readonly<Record<string, Shape>>; required?: readonly string[] };

function toServerShape(shape: Shape, notNull: boolean): ServerShape {
  const common = notNull ? { notNull: true } : {};
  switch (shape.t) {
    case 'string':
      return {
        ...common,
        type: 'string',
        ...(shape.min !== undefined ? { minLength: shape.min } : {}),
        ...(shape.max !== undefined ? { maxLength: shape.max } : {}),
        ...(shape.pattern !== undefined ? { pattern: shape.pattern } : {}),
        ...(shape.enum !== undefined ? { enum: shape.enum } : {}),
      };
    case 'integer':
    case 'long':
      return { ...common, type: shape.t, ...(shape.min !== undefined ? { min: shape.min } : {}), ...(shape.max !== undefined ? { max: shape.max } : {}) };
    case 'boolean':
      return { ...common, type: 'boolean' };
    case 'timestamp':
      return { ...common, type: 'timestamp' };
    case 'list':
      return {
        ...common,
        type: 'list',
        member: toServerShape(shape.member, true),
        ...(shape.min !== undefined ? { minLength: shape.min } : {}),
        ...(shape.max !== undefined ? { maxLength: shape.max } : {}),
      };
    case 'structure': {
      const required = new Set(shape.required ?? []);
      const members: Record<string, ServerShape> = {};
      for (const [name, s] of Object.entries(shape.members)) members[name] = toServerShape(s, required.has(name));
      return { ...common, type: 'structure', members };
    }
  }
}

export type Validator = (input: Record<string, unknown>) => Record<string, unknown>;

/** Compiles a request shape into a validator that returns the checked request or throws AWS's error. */
export function compileValidator(shape: Shape & { t: 'structure' }): Validator {
  return compileServerValidator<Record<string, unknown>>(toServerShape(shape, false) as StructureShape);
}
