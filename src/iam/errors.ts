/**
 * The errors IAM (2010-05-08) and STS (2011-06-15) return over awsQuery, as their models declare them
 * (IAM API Reference and STS API Reference, each action's "Errors"), with AWS's texts. The query codes
 * (`NoSuchEntity`, `EntityAlreadyExists`…) come from the models.
 */
import { defineErrors } from '../aws/index.ts';
import { iamModel } from '../aws/models/iam.ts';
import { stsModel } from '../aws/models/sts.ts';

export const iamErrors = defineErrors(iamModel, {
  NoSuchEntityException: {
    httpStatus: 404,
    retryable: false,
    messages: {
      user: 'The user with name {name} cannot be found.',
      role: 'The role with name {name} cannot be found.',
      userPolicy: 'The user policy with name {name} cannot be found.',
      rolePolicy: 'The role policy with name {name} cannot be found.',
      key: 'The Access Key with id {id} cannot be found.',
      policy: 'Policy {arn} does not exist or is not attachable.',
      attached: 'Policy {arn} was not found.',
    },
  },
  EntityAlreadyExistsException: {
    httpStatus: 409,
    retryable: false,
    messages: {
      user: 'User with name {name} already exists.',
      role: 'Role with name {name} already exists.',
      policy: 'A policy called {name} already exists. Duplicate names are not allowed.',
    },
  },
  DeleteConflictException: {
    httpStatus: 409,
    retryable: false,
    messages: {
      keys: 'Cannot delete entity, must delete access keys first.',
      policies: 'Cannot delete entity, must delete policies first.',
      attached: 'Cannot delete entity, must detach all policies first.',
    },
  },
  LimitExceededException: { httpStatus: 409, retryable: false, messages: { keys: 'Cannot exceed quota for AccessKeysPerUser: 2' } },
  MalformedPolicyDocumentException: { httpStatus: 400, retryable: false },
  InvalidInputException: { httpStatus: 400, retryable: false },
  ValidationError: { httpStatus: 400, retryable: false },
});

export const stsErrors = defineErrors(stsModel, {
  MalformedPolicyDocumentException: { httpStatus: 400, retryable: false },
  ExpiredTokenException: { httpStatus: 400, retryable: false },
  ValidationError: { httpStatus: 400, retryable: false },
});
