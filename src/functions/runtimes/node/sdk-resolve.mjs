/**
 * Module resolve hook for ES-module handlers: a bare `@aws-sdk/*`, `@smithy/*`
 * or `@aws-crypto/*` import that the function's own node_modules cannot
 * satisfy resolves from Freshet's node_modules, as AWS's Node runtimes offer
 * the SDK v3 to handlers. (CommonJS handlers get the same through NODE_PATH.)
 */
let parentURL;

export async function initialize(data) {
  parentURL = data.parentURL;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && /^@(aws-sdk|smithy|aws-crypto)\//.test(specifier)) {
      return nextResolve(specifier, { ...context, parentURL });
    }
    throw e;
  }
}
